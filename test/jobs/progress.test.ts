// Progress moves while a job renders, never goes back, and reaches 100 only on completion.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { api, pollUntilTerminal, ProgressLog, type Api } from './helpers.js';

let t: TestServer;
let a: Api;
before(async () => {
  t = await startTestServer({ concurrency: 1 });
  a = api(t.url, t.key);
});
after(async () => {
  await t.close();
});

function intermediate(log: ProgressLog, id: string) {
  return new Set(log.seen.get(id)!.filter((s) => s.status === 'in_progress' && s.progress > 0).map((s) => s.progress));
}

test('a render reports rising progress and completes at 100', async () => {
  const log = new ProgressLog();
  const v = await a.create({ prompt: 'waves rolling onto a pebble beach', seconds: '12', size: '1280x720' });
  log.record(v);
  assert.equal(v.progress, 0);
  const done = (await pollUntilTerminal(a, [v.id], log)).get(v.id)!;
  assert.equal(done.status, 'completed');
  assert.equal(done.progress, 100);
  log.assertMonotonic();
  const seen = intermediate(log, v.id);
  assert.ok(seen.size >= 3, `progress should move in steps; saw ${[...seen].join(', ')}`);
  assert.ok([...seen].every((p) => p < 100));
  // List shows the same object: 100 there too.
  assert.equal((await a.list()).find((x) => x.id === v.id)!.progress, 100);
});

test('an extension (decode, render, stitch) keeps progress monotonic too', async () => {
  const log = new ProgressLog();
  const src = await a.create({ prompt: 'a tram on a hill street', seconds: '4' });
  await pollUntilTerminal(a, [src.id], log);
  const res = await fetch(`${t.base}/videos/extensions`, {
    method: 'POST',
    headers: { ...t.auth(), 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'the tram reaches the top at dusk', seconds: '8', video: { id: src.id } }),
  });
  assert.equal(res.status, 200);
  const ext = (await res.json()) as { id: string; seconds: string };
  assert.equal(ext.seconds, '12');
  const done = (await pollUntilTerminal(a, [ext.id], log)).get(ext.id)!;
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  log.assertMonotonic();
  assert.ok(intermediate(log, ext.id).size >= 2);
});

test('a failed job never reaches 100', async () => {
  const log = new ProgressLog();
  const v = await a.create({ prompt: 'a robot [reelay:error]', seconds: '4' });
  const done = (await pollUntilTerminal(a, [v.id], log)).get(v.id)!;
  assert.equal(done.status, 'failed');
  assert.ok(done.progress < 100);
  log.assertMonotonic();
});
