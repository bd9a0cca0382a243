// Process roles on one store: an api process takes requests and never renders, a worker runs
// jobs and serves only health and metrics. (Several processes on one store need PostgreSQL; here
// the roles take turns on one SQLite data dir.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, tempDir, rmrf, waitForVideo } from '../helpers/server.js';
import { loadConfig } from '../../src/config/index.js';

test('an api process queues but never renders; a worker on the same store then finishes the job', { timeout: 180_000 }, async () => {
  const dataDir = tempDir();
  try {
    const api = await startTestServer({ dataDir, role: 'api' });
    const v = await api.client.videos.create({ prompt: 'a red kite over a hill', seconds: '4' });
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await api.client.videos.retrieve(v.id)).status, 'queued', 'an api process claims nothing');
    const health = await fetch(`${api.url}/healthz`);
    assert.equal(health.status, 200);
    await api.close();

    const worker = await startTestServer({ dataDir, role: 'worker' });
    const models = await fetch(`${worker.base}/models`, { headers: worker.auth() });
    assert.equal(models.status, 404, 'a worker serves no /v1 routes');
    assert.equal((await fetch(`${worker.url}/healthz`)).status, 200);
    const metrics = await (await fetch(`${worker.url}/metrics`)).text();
    assert.match(metrics, /reelay_jobs/);
    // The worker claims and renders the job the api process queued.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const rec = await worker.server.store.getVideoById(v.id);
      if (rec?.status === 'completed') break;
      assert.ok(rec && rec.status !== 'failed', `job failed: ${rec?.errorMessage}`);
      assert.ok(Date.now() < deadline, 'the worker did not finish the job');
      await new Promise((r) => setTimeout(r, 200));
    }
    await worker.close();

    const all = await startTestServer({ dataDir });
    const done = await waitForVideo(all.client, v.id);
    assert.equal(done.status, 'completed');
    assert.equal((await all.client.videos.downloadContent(v.id)).headers.get('content-type'), 'video/mp4');
    await all.close();
  } finally {
    rmrf(dataDir);
  }
});

test('role comes from REELAY_ROLE, and anything else is refused', () => {
  assert.equal(loadConfig({ env: {} }).role, 'all');
  assert.equal(loadConfig({ env: { REELAY_ROLE: 'worker' } }).role, 'worker');
  assert.throws(() => loadConfig({ env: { REELAY_ROLE: 'gpu' } }), /role must be one of all, api, worker/);
});
