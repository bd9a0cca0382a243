// Retention: expires_at = completed_at + retention; the sweeper removes the files; content then
// answers 404 video_expired, while the video object itself stays.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { api, pollUntilTerminal, ProgressLog, sleep, type Api } from './helpers.js';

const RETENTION_HOURS = 0.003; // 10.8 s, rounded to whole seconds: 11 (room for a loaded machine)
let t: TestServer;
let a: Api;
before(async () => {
  t = await startTestServer({ concurrency: 1, retentionHours: RETENTION_HOURS, sweepIntervalMs: 200 });
  a = api(t.url, t.key);
});
after(async () => {
  await t.close();
});

test('assets expire after the retention period: swept from disk, content is 404 video_expired', async () => {
  const v = await a.create({ prompt: 'a snowman melting in the sun', seconds: '4' });
  const done = (await pollUntilTerminal(a, [v.id], new ProgressLog())).get(v.id)!;
  assert.equal(done.status, 'completed');
  assert.equal(done.expires_at! - done.completed_at!, Math.round(RETENTION_HOURS * 3600));
  const dir = join(t.cfg.dataDir, 'blobs', 'videos', v.id);
  assert.ok(existsSync(join(dir, 'video.mp4')));

  // Wait past expires_at for the sweeper.
  const deadline = Date.now() + 40_000;
  while (existsSync(dir)) {
    assert.ok(Date.now() < deadline, 'the sweeper did not remove the files');
    await sleep(100);
  }
  assert.ok(Date.now() / 1000 >= done.expires_at!, 'files went before expires_at');
  assert.deepEqual(await t.server.store.listAssets(v.id), []);

  for (const variant of ['video', 'thumbnail', 'spritesheet']) {
    const res = await a.content(v.id, variant);
    assert.equal(res.status, 404, variant);
    const body = (await res.json()) as { error: { code: string; type: string } };
    assert.equal(body.error.code, 'video_expired');
    assert.equal(body.error.type, 'invalid_request_error');
  }

  // The video object stays, still completed, still saying when it expired.
  const got = await a.get(v.id);
  assert.equal(got.status, 200);
  assert.equal(got.body.status, 'completed');
  assert.equal(got.body.expires_at, done.expires_at);
  assert.ok((await a.list()).some((x) => x.id === v.id));

  // It can no longer be the source of an edit or extension (they need its frames).
  const edit = await fetch(`${t.base}/videos/edits`, {
    method: 'POST',
    headers: { ...t.auth(), 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'make it night', video: { id: v.id } }),
  });
  assert.equal(edit.status, 404);
  assert.equal(((await edit.json()) as { error: { code: string } }).error.code, 'video_expired');

  // Deleting an expired video still works.
  assert.equal((await a.del(v.id)).status, 200);
  assert.equal((await a.get(v.id)).status, 404);
});

test('failed videos have no expires_at; the sweeper leaves fresh videos alone', async () => {
  const bad = await a.create({ prompt: 'a tornado [reelay:moderation]', seconds: '4' });
  const failed = (await pollUntilTerminal(a, [bad.id], new ProgressLog())).get(bad.id)!;
  assert.equal(failed.status, 'failed');
  assert.equal(failed.expires_at, null);

  // A video completed just now is still downloadable after a few sweeps.
  const v = await a.create({ prompt: 'a rowing boat at dawn', seconds: '4' });
  const done = (await pollUntilTerminal(a, [v.id], new ProgressLog())).get(v.id)!;
  assert.equal(done.status, 'completed');
  assert.ok(Date.now() / 1000 < done.expires_at!, 'the check starts before expiry');
  await t.server.sweeper.sweep();
  assert.ok(existsSync(join(t.cfg.dataDir, 'blobs', 'videos', v.id, 'video.mp4')), 'a fresh video was swept');
  assert.equal((await t.server.store.listAssets(v.id)).length, 3);
});
