// Leases and heartbeats: a job that is running here is never claimed a second time by another
// slot of the same server, even when its lease is short and the process is busy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { api, pollUntilTerminal, ProgressLog, type Api } from './helpers.js';

let t: TestServer;
let a: Api;
before(async () => {
  // A lease so short that it lapses between heartbeats whenever the process is busy.
  t = await startTestServer({ concurrency: 2, jobLeaseMs: 100 });
  a = api(t.url, t.key);
});
after(async () => {
  await t.close();
});

test('a long render under a short lease runs exactly once', async () => {
  const log = new ProgressLog();
  const v = await a.create({ prompt: 'a freight ship crossing an ocean at sunset', seconds: '12', size: '1280x720' });
  const done = (await pollUntilTerminal(a, [v.id], log)).get(v.id)!;
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  log.assertMonotonic();
  const row = await t.server.store.getVideoById(v.id);
  assert.equal(row!.attempts, 1, 'the job was claimed again while it ran');
});
