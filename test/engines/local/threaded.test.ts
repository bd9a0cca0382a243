// The local engine as the server runs it: jobs on render threads, callbacks answered on the main
// thread, errors and cancellation carried across.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ThreadedLocalEngine } from '../../../src/engines/local/threaded.js';
import { EngineError, type JobContext } from '../../../src/engines/index.js';
import { ModelCatalog } from '../../../src/videos/models.js';
import { probe } from '../../../src/media/index.js';
import type { Variant } from '../../../src/store/index.js';
import { record, scratch, cleanup } from './harness.js';

const engine = new ThreadedLocalEngine(new ModelCatalog(), { fps: 24 });
after(async () => {
  await engine.close();
  cleanup();
});

function context(prompt: string, signal = new AbortController().signal) {
  const dir = scratch();
  const workDir = join(dir, 'work');
  mkdirSync(workDir);
  const assets = new Map<Variant, Buffer | string>();
  const progress: number[] = [];
  const ctx: JobContext = {
    video: record({ prompt, size: '320x180', seconds: '4' }),
    inputs: { referencePath: null, sourceVideoPath: null, source: null, characters: [] },
    state: null,
    workDir,
    signal,
    checkpoint: async () => {},
    progress: async (p) => {
      progress.push(p);
    },
    writeAsset: async (variant, data) => {
      assets.set(variant, data as Buffer | string);
    },
  };
  return { ctx, assets, progress };
}

test('a job renders on a thread: the video file, previews as Buffers, progress in order', async () => {
  const { ctx, assets, progress } = context('a lighthouse on a cliff at dusk');
  await engine.run(ctx);
  const video = assets.get('video');
  assert.equal(typeof video, 'string');
  assert.ok(existsSync(video as string) && statSync(video as string).size > 1000);
  const info = await probe(video as string);
  assert.equal(info.codec, 'h264');
  assert.equal(`${info.width}x${info.height}`, '320x180');
  for (const v of ['thumbnail', 'spritesheet'] as const) {
    assert.ok(Buffer.isBuffer(assets.get(v)), `${v} arrives as a Buffer`);
    assert.ok((assets.get(v) as Buffer).length > 100);
  }
  assert.ok(progress.length > 0);
  assert.deepEqual(progress, [...progress].sort((a, b) => a - b));
});

test("an engine error keeps its code across the thread, and the thread serves the next job", async () => {
  const { ctx } = context('anything [reelay:moderation]');
  await assert.rejects(engine.run(ctx), (err: unknown) => err instanceof EngineError && err.code === 'moderation_blocked');
  const next = context('a red kite over a meadow');
  await engine.run(next.ctx);
  assert.equal(typeof next.assets.get('video'), 'string');
});

test('aborting the signal stops the job on its thread', async () => {
  const ac = new AbortController();
  const { ctx } = context('a slow one [reelay:slow=30]', ac.signal);
  const started = Date.now();
  const running = engine.run(ctx);
  setTimeout(() => ac.abort(new EngineError('cancelled', 'deleted')), 200);
  await assert.rejects(running, (err: unknown) => err instanceof EngineError && err.code === 'cancelled');
  assert.ok(Date.now() - started < 10_000, 'stopped long before the 30 s wait');
});

test('a callback that fails on the main thread fails the job with its error', async () => {
  const { ctx } = context('a sailboat at sea');
  ctx.progress = async () => {
    throw new EngineError('cancelled', 'The job is no longer ours.');
  };
  await assert.rejects(engine.run(ctx), (err: unknown) => err instanceof EngineError && err.code === 'cancelled');
});
