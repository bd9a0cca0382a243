// Runs the real local engine on one job without a server: a JobContext whose assets land in a
// temp dir. For tests that need many renders cheaply (sizes, seconds, determinism).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { LocalEngine } from '../../../src/engines/local/index.js';
import { ModelCatalog } from '../../../src/videos/models.js';
import { decodeFrames, probe } from '../../../src/media/index.js';
import type { JobInputs } from '../../../src/engines/index.js';
import type { VideoRecord, Variant } from '../../../src/store/index.js';
import { hashSeed } from '../../../src/videos/seed.js';

export const FPS = 24;
const roots: string[] = [];

export function scratch(): string {
  const d = mkdtempSync(join(tmpdir(), 'reelay-local-'));
  roots.push(d);
  return d;
}

export function cleanup(): void {
  for (const d of roots.splice(0)) rmSync(d, { recursive: true, force: true });
}

export interface Job {
  prompt: string;
  size?: string;
  seconds?: string;
  seed?: number;
  kind?: VideoRecord['kind'];
  inputs?: Partial<JobInputs>;
  fps?: number;
}

export interface Result {
  dir: string;
  assets: Partial<Record<Variant, string>>;
  video: string;
  record: VideoRecord;
}

export function record(j: Job): VideoRecord {
  return {
    id: `video_${Math.random().toString(16).slice(2)}`, projectId: 'p', model: 'sora-2', status: 'in_progress', progress: 0,
    createdAt: 0, completedAt: null, expiresAt: null, prompt: j.prompt, size: j.size ?? '320x180', seconds: j.seconds ?? '4',
    remixedFromVideoId: null, errorCode: null, errorMessage: null, kind: j.kind ?? 'create', sourceVideoId: null,
    params: { seed: j.seed ?? hashSeed(j.prompt), fit: 'crop', referenceKey: null, uploadKey: null, characters: [], extensionCount: 0 },
    engine: 'local', engineState: null, attempts: 1, leaseOwner: null, leaseUntil: null, availableAt: 0, deletedAt: null, expiredAt: null,
  };
}

/** Renders through LocalEngine.run; sizes outside the catalog work too (cheap test renders). */
export async function render(j: Job, signal = new AbortController().signal): Promise<Result> {
  const dir = scratch();
  const work = join(dir, 'work');
  mkdirSync(work);
  const engine = new LocalEngine(new ModelCatalog(), { fps: j.fps ?? FPS });
  const rec = record(j);
  const assets: Result['assets'] = {};
  await engine.run({
    video: rec,
    inputs: { referencePath: null, sourceVideoPath: null, source: null, characters: [], ...j.inputs },
    state: null,
    workDir: work,
    signal,
    checkpoint: async () => {},
    progress: async () => {},
    writeAsset: async (variant, data) => {
      const path = join(dir, `${variant}.out`);
      if (typeof data === 'string') copyFileSync(data, path);
      else if (Buffer.isBuffer(data)) writeFileSync(path, data);
      else throw new Error('streams are not used by the local engine');
      assets[variant] = path;
    },
  });
  return { dir, assets, video: assets.video!, record: rec };
}

/** Every decoded frame's RGBA, hashed; and the frame count. */
export async function frameHashes(path: string, width: number, height: number): Promise<string[]> {
  const out: string[] = [];
  for await (const f of decodeFrames(path, width, height, FPS)) out.push(createHash('sha256').update(f).digest('hex').slice(0, 16));
  return out;
}

/** Decoded frames at the given indices (negative: from the end), as RGBA buffers. */
export async function framesAt(path: string, width: number, height: number, indices: number[]): Promise<Map<number, Buffer>> {
  const all: Buffer[] = [];
  const want = new Map<number, Buffer>();
  let n = 0;
  const keepLast = Math.max(0, ...indices.filter((i) => i < 0).map((i) => -i));
  for await (const f of decodeFrames(path, width, height, FPS)) {
    if (indices.includes(n)) want.set(n, Buffer.from(f));
    if (keepLast) {
      all.push(Buffer.from(f));
      if (all.length > keepLast) all.shift();
    }
    n++;
  }
  for (const i of indices) if (i < 0) want.set(i, all[all.length + i]);
  return want;
}

export const meanLuma = (rgba: Buffer) => {
  let s = 0;
  for (let i = 0; i < rgba.length; i += 4) s += 0.2126 * rgba[i] + 0.7152 * rgba[i + 1] + 0.0722 * rgba[i + 2];
  return s / (rgba.length / 4);
};

/** Mean absolute difference per channel, 0..255. */
export const meanDiff = (a: Buffer, b: Buffer) => {
  let s = 0;
  for (let i = 0; i < a.length; i += 4) s += Math.abs(a[i] - b[i]) + Math.abs(a[i + 1] - b[i + 1]) + Math.abs(a[i + 2] - b[i + 2]);
  return s / ((a.length / 4) * 3);
};

export { probe };
