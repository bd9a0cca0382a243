// The runner's one heartbeat: every lease it holds is renewed, and a job whose row is no longer its own
// (deleted without the runner being told) is stopped by the heartbeat alone, while the others run on.
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

/** Runs until its job is aborted, and records why. */
class WaitEngine implements Engine {
  readonly id = 'local';
  readonly started = new Set<string>();
  readonly aborted = new Map<string, unknown>();
  describe() {
    return null;
  }
  async run(job: JobContext): Promise<void> {
    this.started.add(job.video.id);
    await new Promise<void>((resolve) => job.signal.addEventListener('abort', () => resolve(), { once: true }));
    this.aborted.set(job.video.id, job.signal.reason);
    throw job.signal.reason;
  }
}

test('one heartbeat renews every held lease and stops the job whose row was deleted behind its back', async () => {
  const dataDir = tempDir();
  const cfg = loadConfig({ env: {}, overrides: { dataDir, concurrency: 3, jobLeaseMs: 300 } });
  const store = openStore(dataDir);
  const engine = new WaitEngine();
  const runner = new Runner(cfg, store, openBlobs(dataDir), new Map<string, Engine>([['local', engine]]), pino({ level: 'silent' }));
  const projectId = await store.ensureProject('default');
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const v = await store.insertVideo({
      id: `video_beat${i}`, projectId, model: 'm', createdAt: 1, prompt: `job ${i}`, size: '1280x720', seconds: '4',
      remixedFromVideoId: null, kind: 'create', sourceVideoId: null, params: { characters: [] } as never, engine: 'local', billedSeconds: 4,
    });
    ids.push(v!.id);
  }
  try {
    await runner.start();
    for (let i = 0; engine.started.size < 3; i++) {
      assert.ok(i < 1500, 'the jobs did not start');
      await sleep(20);
    }
    const firstLease = (await store.getVideoById(ids[0]))!.leaseUntil!;
    // Deleted without telling the runner (runner.cancel is not called): only the heartbeat can notice.
    assert.ok(await store.markDeleted(ids[1], projectId, Math.floor(Date.now() / 1000)));
    for (let i = 0; !engine.aborted.has(ids[1]); i++) {
      assert.ok(i < 1500, 'the deleted job was never stopped');
      await sleep(20);
    }
    const reason = engine.aborted.get(ids[1]);
    assert.ok(reason instanceof EngineError && reason.code === 'cancelled', String(reason));
    // The others were renewed past the lease they were claimed with, and still run.
    for (let i = 0; (await store.getVideoById(ids[0]))!.leaseUntil! <= firstLease; i++) {
      assert.ok(i < 1500, 'the lease was never renewed');
      await sleep(20);
    }
    for (const id of [ids[0], ids[2]]) {
      const row = (await store.getVideoById(id))!;
      assert.equal(row.status, 'in_progress');
      assert.equal(row.leaseOwner, runner.owner);
      assert.equal(row.attempts, 1);
      assert.ok(!engine.aborted.has(id));
    }
  } finally {
    await runner.stop(0);
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  // Stopped by the shutdown, not by the heartbeat.
  for (const id of [ids[0], ids[2]]) assert.equal((engine.aborted.get(id) as EngineError).code, 'shutdown');
});
