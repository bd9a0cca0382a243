// Runner slots: local jobs never run more than `concurrency` at once, even while the slots that each
// upstream brings (its maxInFlight) are free; upstream jobs get those slots and no more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import pino from 'pino';
import { loadConfig } from '../../src/config/index.js';
import { openStore } from '../../src/store/index.js';
import { openBlobs } from '../../src/blobs/index.js';
import { Runner } from '../../src/jobs/index.js';
import { EngineError, type Engine, type JobContext } from '../../src/engines/index.js';
import { tempDir } from '../helpers/server.js';
import { sleep } from './helpers.js';

/** An engine that holds every job until released, counting how many it holds at once. */
class GateEngine implements Engine {
  now = 0;
  max = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(readonly id: string) {}
  describe() {
    return null;
  }
  async run(job: JobContext): Promise<void> {
    this.max = Math.max(this.max, ++this.now);
    try {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } finally {
      this.now--;
    }
    // Ends the job at once (failed, not retried): the counts are what this test is about.
    throw new EngineError('engine_error', `done ${job.video.id}`);
  }
  releaseAll() {
    for (const r of this.waiting.splice(0)) r();
  }
}

test('local jobs keep to `concurrency` while upstream slots are free, and upstream jobs to maxInFlight', async () => {
  const dataDir = tempDir();
  const cfg = loadConfig({
    env: {
      REELAY_UPSTREAMS: JSON.stringify([{ id: 'up', baseUrl: 'http://127.0.0.1:9/v1', maxInFlight: 3, models: { m: { upstreamModel: 'm' } } }]),
    },
    overrides: { dataDir, concurrency: 1, jobLeaseMs: 30_000 },
  });
  const store = openStore(dataDir);
  const local = new GateEngine('local');
  const upstream = new GateEngine('upstream:up');
  const runner = new Runner(cfg, store, openBlobs(dataDir), new Map<string, Engine>([['local', local], ['upstream:up', upstream]]), pino({ level: 'silent' }));
  const projectId = await store.ensureProject('default');
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) {
    const engine = i % 2 ? 'upstream:up' : 'local';
    const v = await store.insertVideo({
      id: `video_slots${i}`, projectId, model: 'm', createdAt: 1, prompt: `job ${i}`, size: '1280x720', seconds: '4',
      remixedFromVideoId: null, kind: 'create', sourceVideoId: null, params: { characters: [] } as never, engine, billedSeconds: 4,
    });
    ids.push(v!.id);
  }
  try {
    await runner.start();
    for (let i = 0; local.now < 1 || upstream.now < 3; i++) {
      assert.ok(i < 1500, `the runner started ${local.now} local and ${upstream.now} upstream jobs of 1 and 3`);
      await sleep(20);
    }
    // Several of the runner's looks at the queue (every 500 ms, and on every wake): none may take more.
    for (let i = 0; i < 3; i++) {
      runner.wake();
      await sleep(600);
    }
    assert.equal(local.now, 1, 'a local job took a slot meant for upstream jobs');
    assert.equal(upstream.now, 3);
    const counts = await store.countByStatus();
    assert.equal(counts.in_progress, 4, 'only running jobs are claimed');
    assert.equal(counts.queued, 8);
    for (let i = 0; ; i++) {
      assert.ok(i < 1500, 'the jobs did not all end');
      local.releaseAll();
      upstream.releaseAll();
      const c = await store.countByStatus();
      if (c.failed === ids.length) break;
      await sleep(20);
    }
    assert.equal(local.max, 1);
    assert.equal(upstream.max, 3);
  } finally {
    await runner.stop(1000);
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
