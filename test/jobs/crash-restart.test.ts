// SIGKILL a real `reelay serve` mid-render and start it again on the same data dir: every
// accepted video still finishes, progress never goes back, nothing is duplicated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { probeBuffer } from '../helpers/media.js';
import { api, childServers, pollUntil, pollUntilTerminal, ProgressLog } from './helpers.js';

const KEY = 'sk-reelay-crash-test-0123456789';
const { dataDir, start } = childServers(KEY, 'reelay-crash-');

test('SIGKILL mid-render, restart: every accepted video completes, progress is monotonic, no duplicates', async () => {
  const dir = dataDir();
  const log = new ProgressLog();
  let server = await start(dir);
  let a = api(server.url, KEY);

  const long = await a.create({ prompt: 'a hot air balloon drifting over a valley at sunrise', seconds: '12', size: '1280x720' });
  const short1 = await a.create({ prompt: 'a red fox in the snow', seconds: '4' });
  const short2 = await a.create({ prompt: 'a paper boat on a river at night', seconds: '4' });
  const ids = [long.id, short1.id, short2.id];
  for (const v of [long, short1, short2]) log.record(v);

  const mid = await pollUntil(a, long.id, log, (v) => v.status === 'in_progress' && v.progress > 0);
  assert.ok(mid.progress < 100);
  assert.equal(await server.kill('SIGKILL'), null, 'the process died by the signal');
  assert.ok(existsSync(join(dir, 'reelay.pid')), 'a SIGKILLed process leaves its pid file behind');

  server = await start(dir);
  a = api(server.url, KEY);
  const first = await a.get(long.id);
  log.record(first.body);
  assert.ok(first.body.progress >= mid.progress, 'progress survived the crash');

  const done = await pollUntilTerminal(a, ids, log);
  for (const id of ids) assert.equal(done.get(id)!.status, 'completed', JSON.stringify(done.get(id)));
  log.assertMonotonic();
  assert.ok(log.seen.get(long.id)!.some((s) => s.status === 'in_progress' && s.progress > 0 && s.progress < 100));

  // Exactly the accepted videos, once each.
  const listed = await a.list();
  assert.deepEqual(listed.map((v) => v.id), ids);
  assert.deepEqual(readdirSync(join(dir, 'blobs', 'videos')).sort(), [...ids].sort());

  // The resumed render is whole: the full duration, not what was left of the first attempt.
  const mp4 = Buffer.from(await (await a.content(long.id)).arrayBuffer());
  const info = await probeBuffer(mp4);
  assert.equal(info.codec, 'h264');
  assert.equal(`${info.width}x${info.height}`, '1280x720');
  assert.ok(Math.abs(info.duration - 12) <= 1 / 24 + 1e-6, `duration ${info.duration}`);
  // No scratch files of the killed attempt are left.
  assert.deepEqual(readdirSync(join(dir, 'tmp')), []);

  assert.equal(await server.kill('SIGTERM'), 0);
});

test('a job whose process keeps dying fails with internal_error once out of attempts', async () => {
  const dir = dataDir();
  const log = new ProgressLog();
  const env = { REELAY_JOB_MAX_ATTEMPTS: '2' };
  let server = await start(dir, env);
  let a = api(server.url, KEY);
  const v = await a.create({ prompt: 'a lighthouse in a storm', seconds: '12' });
  const next = await a.create({ prompt: 'a calm sea', seconds: '4' });
  log.record(v);

  // Two attempts, each killed mid-render.
  for (let attempt = 1; attempt <= 2; attempt++) {
    await pollUntil(a, v.id, log, (x) => x.status === 'in_progress' && x.progress > 0);
    assert.equal(await server.kill('SIGKILL'), null);
    server = await start(dir, env);
    a = api(server.url, KEY);
  }
  const done = await pollUntilTerminal(a, [v.id, next.id], log);
  const failed = done.get(v.id)!;
  assert.equal(failed.status, 'failed');
  assert.equal(failed.error?.code, 'internal_error');
  assert.match(failed.error?.message ?? '', /2 attempts/);
  assert.ok(failed.completed_at);
  assert.ok(failed.progress < 100);
  // The queue moves on: the next video is not held up by the crashing one.
  assert.equal(done.get(next.id)!.status, 'completed');
  log.assertMonotonic();
  const content = await a.content(v.id);
  assert.equal(content.status, 400);
  assert.equal(((await content.json()) as { error: { code: string } }).error.code, 'video_not_ready');
  assert.equal(await server.kill('SIGTERM'), 0);
});
