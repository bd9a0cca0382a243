// ComfyUI bench: reelay (its own process) runs 200 jobs in flight across 4 fake ComfyUI servers
// (this process), once with the servers' WebSockets and once with /history polling only. Prints
// reelay's CPU per job (its own, and its ffmpeg/ffprobe children's) next to the same media work
// done alone in this run, and the staleness from a server finishing a prompt to reelay's
// `completed` against the targets (p99 <= 1 s with WebSocket, <= poll interval + 1 s without).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { extractFramePng, probe, pngToWebp, spritesheetJpeg, run, tools } from '../src/media/index.js';
import { FakeComfyUI } from '../test/engines/comfyui/fake-comfyui.js';
import { childrenCpuMs } from './proc.js';

const ROOT = resolve(import.meta.dirname, '..');
const JOBS = Number(process.env.BENCH_COMFY_JOBS ?? 200);
const SERVERS = 4;
const POLL_MS = 1000;
const KEY = 'sk-reelay-bench-comfyui';
/** One prompt on a fake server: steps x stepMs (the servers run their queues one prompt at a time). */
const STEPS = 4;
const STEP_MS = Number(process.env.BENCH_COMFY_STEP_MS ?? 200);

const EXAMPLES = join(ROOT, 'examples/comfyui');
const model = {
  workflow: join(EXAMPLES, 'wan22_ti2v_5b_t2v.json'),
  sizes: ['320x192'],
  seconds: ['4'],
  fps: 8,
  frameMultiple: 4,
  frameExtra: 1,
  sizeMultiple: 32,
  bind: { prompt: '6.text', seed: '3.seed', width: '55.width', height: '55.height', frames: '55.length', fps: '57.fps', output: '58' },
};

function startReelay(env: Record<string, string>): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, [join(ROOT, 'bin/reelay.js'), 'serve'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`reelay did not start: ${out}`)), 60_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out = (out + d).slice(-20_000);
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res({ proc, url: m[1] });
      }
    });
    proc.stderr!.on('data', (d: Buffer) => (out = (out + d).slice(-20_000)));
    proc.on('exit', (code) => rej(new Error(`reelay exited ${code}: ${out}`)));
  });
}

/** utime+stime of the process, and of its waited-for children, in ms. */
function cpuOf(pid: number): { self: number; children: number } {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { self: (Number(f[11]) + Number(f[12])) * 10, children: (Number(f[13]) + Number(f[14])) * 10 };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

/** The media work the runner does for every finished video (probe, thumbnail, spritesheet), alone, per job. */
async function mediaBaseline(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'reelay-bench-comfy-media-'));
  try {
    const path = join(dir, 'v.mp4');
    await run(tools().ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x192:rate=8', '-frames:v', '33', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-y', path]);
    const n = 10;
    const c0 = childrenCpuMs() ?? 0;
    const t0 = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const info = await probe(path);
      await pngToWebp(await extractFramePng(path, Math.min(info.duration / 2, 1)), 640);
      await spritesheetJpeg(path, info.duration, 5, 5, 160);
    }
    const own = process.cpuUsage(t0);
    return ((childrenCpuMs() ?? 0) - c0 + (own.user + own.system) / 1000) / n;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runOnce(websocket: boolean) {
  const fakes = await Promise.all(Array.from({ length: SERVERS }, () => new FakeComfyUI().start()));
  const finishedAt = new Map<string, number>(); // prompt text -> when its server finished it
  for (const f of fakes) {
    f.steps = STEPS;
    f.stepMs = STEP_MS;
    f.onSuccess = (promptId) => {
      const p = f.prompts.find((x) => x.promptId === promptId);
      if (p) finishedAt.set(String(p.graph['6'].inputs.text), Date.now());
    };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'reelay-bench-comfy-data-'));
  const { proc, url } = await startReelay({
    REELAY_HOST: '127.0.0.1',
    REELAY_PORT: '0',
    REELAY_DATA_DIR: dataDir,
    REELAY_API_KEY: KEY,
    REELAY_LOG_LEVEL: 'error',
    REELAY_CONCURRENCY: '1',
    REELAY_COMFYUI: JSON.stringify({
      servers: fakes.map((f, i) => ({ id: `gpu${i}`, baseUrl: f.url, maxInFlight: Math.ceil(JOBS / SERVERS), websocket, pollIntervalMs: POLL_MS })),
      models: { 'bench-wan': model },
    }),
  });
  const pid = proc.pid!;
  try {
    const cpu0 = cpuOf(pid);
    const t0 = Date.now();
    const ids = new Map<string, string>(); // video id -> prompt text
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < JOBS) {
          const prompt = `bench job ${next++}`;
          const r = await fetch(`${url}/v1/videos`, {
            method: 'POST',
            headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
            body: JSON.stringify({ prompt, model: 'bench-wan', size: '320x192' }),
          });
          if (r.status !== 200) throw new Error(`create answered ${r.status}: ${await r.text()}`);
          ids.set(((await r.json()) as { id: string }).id, prompt);
        }
      }),
    );
    const staleness: number[] = [];
    const pending = new Set(ids.keys());
    let peakInFlight = 0;
    const deadline = Date.now() + 20 * 60_000;
    while (pending.size && Date.now() < deadline) {
      peakInFlight = Math.max(peakInFlight, fakes.reduce((n, f) => n + f.state.pending.length + (f.state.running ? 1 : 0), 0));
      let after: string | null = null;
      for (let page = 0; page < Math.ceil(JOBS / 100); page++) {
        const q: string = `limit=100&order=asc${after ? `&after=${after}` : ''}`;
        const list = (await (await fetch(`${url}/v1/videos?${q}`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as { data: { id: string; status: string; error: unknown }[]; last_id: string };
        const seenAt = Date.now();
        for (const v of list.data) {
          if (!pending.has(v.id) || (v.status !== 'completed' && v.status !== 'failed')) continue;
          if (v.status === 'failed') throw new Error(`job ${v.id} failed: ${JSON.stringify(v.error)}`);
          const at = finishedAt.get(ids.get(v.id)!);
          if (at !== undefined) staleness.push(seenAt - at);
          pending.delete(v.id);
        }
        after = list.last_id;
      }
      await sleep(100);
    }
    if (pending.size) throw new Error(`${pending.size} jobs never completed`);
    const wall = Date.now() - t0;
    const cpu1 = cpuOf(pid);
    const submits = fakes.reduce((n, f) => n + f.submits, 0);
    const polls = fakes.reduce((n, f) => n + f.historyGets + f.queueGets, 0);
    return { wall, self: (cpu1.self - cpu0.self) / JOBS, children: (cpu1.children - cpu0.children) / JOBS, staleness, submits, polls, peakInFlight };
  } finally {
    proc.kill('SIGKILL');
    await new Promise((r) => (proc.exitCode !== null ? r(null) : proc.once('exit', r)));
    await Promise.all(fakes.map((f) => f.close()));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function runComfyuiBench(): Promise<void> {
  const load0 = loadavg()[0];
  const media = await mediaBaseline();
  const line = (label: string, value: string, note = '') => console.log(`  ${label.padEnd(36)} ${value.padStart(12)}  ${note}`);
  console.log(`ComfyUI engine: ${JOBS} jobs across ${SERVERS} fake servers (each runs one prompt at a time, ${STEPS * STEP_MS} ms a prompt)`);
  line('machine load (1-min average)', load0.toFixed(1), `(${cpus().length} CPUs, at the start)`);
  line('baseline: media work per job alone', `${media.toFixed(0)} ms`, '(ffprobe + thumbnail + spritesheet on the same 320x192 MP4, in this process)');
  for (const websocket of [true, false]) {
    const r = await runOnce(websocket);
    const target = websocket ? 1000 : POLL_MS + 1000;
    const p99 = pct(r.staleness, 99);
    console.log(`  -- ${websocket ? 'WebSocket (one per server)' : `/history polling only (every ${POLL_MS} ms)`}: ${(r.wall / 1000).toFixed(1)} s for ${JOBS} jobs, up to ${r.peakInFlight} prompts queued or running at once`);
    line('reelay CPU per job (own process)', `${r.self.toFixed(1)} ms`, `(${(r.self / media).toFixed(2)}x the media baseline)`);
    line('reelay CPU per job (ffmpeg children)', `${r.children.toFixed(1)} ms`, `(${(r.children / media).toFixed(2)}x the media baseline)`);
    line('/prompt submits', String(r.submits), `(${r.submits === JOBS ? 'one per job' : 'NOT one per job'})`);
    line('/queue + /history requests', String(r.polls), `(${(r.polls / JOBS).toFixed(1)} per job)`);
    line('staleness p50', `${pct(r.staleness, 50)} ms`, `(server finished -> reelay completed, ${r.staleness.length} jobs; list read every ~100 ms)`);
    line('staleness p99', `${p99} ms`, `target <= ${target} ms: ${p99 <= target ? 'met' : 'MISSED'}`);
    line('staleness max', `${Math.max(...r.staleness)} ms`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runComfyuiBench();
