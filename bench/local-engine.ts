// The local engine's speed and memory, next to ffmpeg encoding the same number of testsrc2
// frames at the same size and preset in the same run (these machines are noisy; compare ratios).
// Each render runs in a child process (the engine the server runs: frames, encode, thumbnail,
// spritesheet, on a render thread) so its own peak RSS can be read.
//   node --import tsx bench/local-engine.ts
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, copyFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { H264_ARGS, run, tools } from '../src/media/index.js';
import type { JobContext } from '../src/engines/index.js';
import { childrenCpuMs, peakRssMb } from './proc.js';

const FPS = 24;
const BENCH_SEED = 42;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** A typical scene, and a busy one (falling snow and a pan move every pixel of every frame). */
const TYPICAL = 'a sailboat and a lighthouse on the sea at sunset, birds';
const BUSY = 'three red hot air balloons drift over snowy mountains at sunrise, birds, slow pan left';
const CASES = [
  { size: '1280x720', seconds: 4 },
  { size: '1792x1024', seconds: 20 },
];

interface ChildResult {
  wallMs: number;
  cpuMs: number;
  /** CPU time of the processes the job ran and waited for (ffmpeg), when /proc tells it. */
  toolsCpuMs: number | null;
  maxRssMb: number;
  assets: string[];
  /** The first (small) job on a new render thread, start-up included. */
  warmMs: number;
}



/** A job as the runner hands it over: a throwaway record and a context writing assets to `dir`. */
function benchJob(dir: string, size: string, seconds: number, prompt: string, assets: string[]): JobContext {
  const work = join(dir, 'work');
  mkdirSync(work, { recursive: true });
  return {
    video: {
      id: 'video_bench', projectId: 'p', model: 'sora-2-pro', status: 'in_progress', progress: 0, createdAt: 0, completedAt: null,
      expiresAt: null, prompt, size, seconds: String(seconds), remixedFromVideoId: null, errorCode: null, errorMessage: null,
      kind: 'create', sourceVideoId: null, engine: 'local', engineState: null, attempts: 1, leaseOwner: null, leaseUntil: null,
      availableAt: 0, deletedAt: null, expiredAt: null,
      params: { seed: BENCH_SEED, fit: 'crop', referenceKey: null, uploadKey: null, characters: [], extensionCount: 0 },
    },
    inputs: { referencePath: null, sourceVideoPath: null, source: null, characters: [] },
    state: null,
    workDir: work,
    signal: new AbortController().signal,
    checkpoint: async () => {},
    progress: async () => {},
    writeAsset: async (variant, data) => {
      const path = join(dir, variant);
      if (typeof data === 'string') copyFileSync(data, path);
      else writeFileSync(path, data as Buffer);
      assets.push(variant);
    },
  };
}

/**
 * In the child: one job through the engine the server runs (ThreadedLocalEngine: painting and
 * encoding on a render thread). The server keeps its render threads between jobs, so the thread
 * is started by a small job first and its start-up time printed on its own.
 */
async function renderInChild(size: string, seconds: number, prompt: string): Promise<ChildResult> {
  const { ThreadedLocalEngine } = await import('../src/engines/local/threaded.js');
  const { ModelCatalog } = await import('../src/videos/models.js');
  const dir = mkdtempSync(join(tmpdir(), 'reelay-bench-local-'));
  const assets: string[] = [];
  const engine = new ThreadedLocalEngine(new ModelCatalog(), { fps: FPS });
  const warm = performance.now();
  await engine.run(benchJob(join(dir, 'warm'), '320x180', 4, 'warm-up', []));
  const warmMs = performance.now() - warm;
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const tools0 = childrenCpuMs();
  try {
    await engine.run(benchJob(dir, size, seconds, prompt, assets));
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpu0);
    const tools1 = childrenCpuMs();
    const toolsCpuMs = tools0 === null || tools1 === null ? null : tools1 - tools0;
    return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, toolsCpuMs, maxRssMb: peakRssMb(), assets, warmMs };
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs this file again with `args`; resolves with the last line it printed. */
function runSelf(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out.trim().split('\n').pop() ?? '') : reject(new Error(`bench child ${args[0]} exited with ${code}`))));
  });
}

const child = async (size: string, seconds: number, prompt: string) => JSON.parse(await runSelf(['--child', size, String(seconds), prompt])) as ChildResult;

interface Baseline {
  wallMs: number;
  /** ffmpeg's CPU time, when /proc tells it. */
  cpuMs: number | null;
}

/** ffmpeg alone: the same number of testsrc2 frames at the same size, preset and pixel format. */
async function baseline(size: string, frames: number): Promise<Baseline> {
  const dir = mkdtempSync(join(tmpdir(), 'reelay-bench-base-'));
  const started = performance.now();
  const cpu0 = childrenCpuMs();
  try {
    await run(tools().ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${FPS}`, '-frames:v', String(frames), ...H264_ARGS, join(dir, 'b.mp4')]);
    const cpu1 = childrenCpuMs();
    return { wallMs: performance.now() - started, cpuMs: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The job's CPU (node painting plus its ffmpeg) over the baseline ffmpeg's, when /proc tells both. */
function cpuRatio(r: ChildResult, before: Baseline, after: Baseline): number | null {
  if (before.cpuMs === null || after.cpuMs === null || r.toolsCpuMs === null) return null;
  return (r.cpuMs + r.toolsCpuMs) / ((before.cpuMs + after.cpuMs) / 2);
}

/**
 * x264 alone on a scene's own frames: the frames the engine paints for a create job (same
 * painter, seed and I420 conversion), written to a file first, then encoded with the engine's
 * arguments. Where this alone is near or over 1.5x of testsrc2, the whole job cannot be under
 * it whatever the painting costs.
 */
async function encodeOwnFrames(size: string, seconds: number, prompt: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'reelay-bench-frames-'));
  try {
    const raw = join(dir, 'frames.yuv');
    await runSelf(['--frames', size, String(seconds), prompt, raw]);
    const started = performance.now();
    await run(tools().ffmpeg, ['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', size, '-r', String(FPS), '-i', raw, ...H264_ARGS, join(dir, 'out.mp4')]);
    return performance.now() - started;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** In a child: a create job's frames, painted and converted as the engine does, to a raw I420 file. */
async function paintFrames(size: string, seconds: number, prompt: string, out: string): Promise<void> {
  const { createCanvas } = await import('@napi-rs/canvas');
  const { Painter } = await import('../src/engines/local/painter.js');
  const { makeLayout } = await import('../src/engines/local/layout.js');
  const { parseWords, resolveScene } = await import('../src/engines/local/scene.js');
  const { I420Converter } = await import('../src/media/index.js');
  const [width, height] = size.split('x').map(Number);
  const scene = resolveScene(parseWords(prompt));
  const canvas = createCanvas(width, height);
  const painter = new Painter(canvas.getContext('2d', { alpha: false }), scene, makeLayout(scene, BENCH_SEED), width, height);
  const converter = I420Converter.create(width, height)!;
  const fd = openSync(out, 'w');
  for (let i = 0; i < seconds * FPS; i++) {
    painter.paint(i / FPS);
    writeSync(fd, converter.convert(canvas.data(), painter.grade));
    await new Promise((r) => setImmediate(r)); // lets each frame's pixel copy be freed
  }
  closeSync(fd);
}

/**
 * Every gallery prompt (the grammar's settings, weather, styles and cameras) as a 4 s 1280x720
 * job, each next to its own baseline pair: how the ratio spreads over different scenes. A scene
 * over the target also gets x264's time on its own frames, next to the same baselines.
 */
async function sweepGallery(): Promise<void> {
  const { GALLERY_PROMPTS } = await import('../scripts/gallery.js');
  const size = '1280x720';
  const seconds = 4;
  console.log(`  and every gallery prompt, ${size} ${seconds}s, one round each:`);
  const ratios: number[] = [];
  for (const prompt of GALLERY_PROMPTS) {
    const b1 = await baseline(size, seconds * FPS);
    const r = await child(size, seconds, prompt);
    const b2 = await baseline(size, seconds * FPS);
    const ratio = r.wallMs / ((b1.wallMs + b2.wallMs) / 2);
    ratios.push(ratio);
    const cpu = cpuRatio(r, b1, b2);
    let own = '';
    if (ratio > 1.5) {
      const encodeMs = await encodeOwnFrames(size, seconds, prompt);
      own = ` | x264 alone on its frames ${(encodeMs / 1000).toFixed(2)} s, ${(encodeMs / ((b1.wallMs + b2.wallMs) / 2)).toFixed(2)}x`;
    }
    console.log(`    ${ratio.toFixed(2)}x ${ratio <= 1.5 ? 'ok  ' : 'OVER'}${cpu === null ? '' : ` (cpu ${cpu.toFixed(2)}x)`} render ${(r.wallMs / 1000).toFixed(2)} s, peak RSS ${r.maxRssMb.toFixed(0)} MB${own} | "${prompt}"`);
  }
  const within = ratios.filter((x) => x <= 1.5).length;
  console.log(`    median ${median(ratios).toFixed(2)}x, ${within} of ${ratios.length} within 1.5x, worst ${Math.max(...ratios).toFixed(2)}x`);
}

/** Rounds of the two target clips (BENCH_ROUNDS): one render on a shared machine says little. */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));

/**
 * One clip in `rounds` renders, each between two baselines (the one after a render is the one
 * before the next), so drifting machine load hits both sides alike. Prints each round and the
 * median.
 */
async function measureClip(size: string, seconds: number, prompt: string, rounds: number): Promise<void> {
  const frames = seconds * FPS;
  console.log(`  ${size} ${seconds}s (${frames} frames) "${prompt}"`);
  let before = await baseline(size, frames);
  const bases: number[] = [];
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  const realTime: number[] = [];
  let peak = 0;
  for (let i = 0; i < rounds; i++) {
    const r = await child(size, seconds, prompt);
    const after = await baseline(size, frames);
    const base = (before.wallMs + after.wallMs) / 2;
    bases.push(base);
    const ratio = r.wallMs / base;
    const baseCpu = before.cpuMs === null || after.cpuMs === null ? null : (before.cpuMs + after.cpuMs) / 2;
    const cpu = cpuRatio(r, before, after);
    ratios.push(ratio);
    if (cpu !== null) cpuRatios.push(cpu);
    realTime.push((seconds * 1000) / r.wallMs);
    peak = Math.max(peak, r.maxRssMb);
    console.log(
      `    round ${i + 1}: render ${(r.wallMs / 1000).toFixed(2)} s (node cpu ${(r.cpuMs / 1000).toFixed(2)} s` +
        `${r.toolsCpuMs === null ? '' : `, its ffmpeg cpu ${(r.toolsCpuMs / 1000).toFixed(2)} s`}) | testsrc2 encode ${(base / 1000).toFixed(2)} s` +
        `${baseCpu === null ? '' : ` (cpu ${(baseCpu / 1000).toFixed(2)} s)`} | ratio ${ratio.toFixed(2)}x` +
        `${cpu === null ? '' : ` (cpu ${cpu.toFixed(2)}x)`} | real-time ${realTime[i].toFixed(2)}x | ` +
        `peak RSS ${r.maxRssMb.toFixed(0)} MB | assets ${r.assets.join(',')} | first job on a new render thread (320x180, 4 s): ${(r.warmMs / 1000).toFixed(2)} s`,
    );
    before = after;
  }
  const m = median(ratios);
  let own = '';
  if (m > 1.5) {
    const encodeMs = await encodeOwnFrames(size, seconds, prompt);
    own = ` | x264 alone on its frames ${(encodeMs / 1000).toFixed(2)} s, ${(encodeMs / median(bases)).toFixed(2)}x`;
  }
  console.log(
    `    median of ${rounds}: ratio ${m.toFixed(2)}x ${m <= 1.5 ? 'ok' : 'OVER'} (rounds ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}x` +
      `${cpuRatios.length ? `, cpu ${median(cpuRatios).toFixed(2)}x` : ''}) | real-time ${median(realTime).toFixed(2)}x` +
      `${size === '1280x720' ? (median(realTime) > 1 ? ' ok' : ' OVER') : ''} | peak RSS ${peak.toFixed(0)} MB ${peak <= 300 ? 'ok' : 'OVER'}${own}`,
  );
}

export async function runLocalEngineBench(): Promise<void> {
  console.log(`local engine at ${FPS} fps; targets: ratio <= 1.5x, 1280x720 faster than real time, peak RSS <= 300 MB`);
  console.log(`  the two clips the targets are set for, a typical prompt, ${ROUNDS} round(s) each:`);
  for (const c of CASES) await measureClip(c.size, c.seconds, TYPICAL, ROUNDS);
  console.log('  beyond them: a busy prompt (falling snow under a panning camera), one round each:');
  for (const c of CASES) await measureClip(c.size, c.seconds, BUSY, 1);
  await sweepGallery();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [mode, size, seconds, prompt, out] = process.argv.slice(2);
  if (mode === '--child') {
    console.log(JSON.stringify(await renderInChild(size, Number(seconds), prompt)));
  } else if (mode === '--frames') {
    await paintFrames(size, Number(seconds), prompt, out);
  } else {
    await runLocalEngineBench();
  }
}
