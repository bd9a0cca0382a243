// Failure simulation: prompt directives give apps deterministic outcomes through the real server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, waitForVideo, type TestServer } from '../../helpers/server.js';

let t: TestServer;
before(async () => {
  t = await startTestServer({ logLevel: 'error' });
});
after(async () => {
  await t.close();
});

test('[reelay:moderation] ends failed with moderation_blocked', async () => {
  const v = await t.client.videos.create({ prompt: 'a volcano at night [reelay:moderation]', seconds: '4' });
  const done = await waitForVideo(t.client, v.id);
  assert.equal(done.status, 'failed');
  assert.equal(done.error?.code, 'moderation_blocked');
});

test('[reelay:error] ends failed with engine_error, without retries', async () => {
  const v = await t.client.videos.create({ prompt: 'a storm over the sea [reelay:error]', seconds: '4' });
  const done = await waitForVideo(t.client, v.id);
  assert.equal(done.status, 'failed');
  assert.equal(done.error?.code, 'engine_error');
  assert.match(done.error?.message ?? '', /\[reelay:error\]/);
});

test('[reelay:slow=N] stays in progress, and deleting it cancels the job', async () => {
  const v = await t.client.videos.create({ prompt: 'a slow sunrise over mountains [reelay:slow=60]', seconds: '4' });
  let seen = await t.client.videos.retrieve(v.id);
  for (let i = 0; i < 50 && seen.status === 'queued'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    seen = await t.client.videos.retrieve(v.id);
  }
  assert.equal(seen.status, 'in_progress');
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal((await t.client.videos.retrieve(v.id)).status, 'in_progress', 'still waiting after a second');
  const del = await t.client.videos.delete(v.id);
  assert.equal(del.deleted, true);
  await assert.rejects(() => t.client.videos.retrieve(v.id), (e: { status?: number }) => e.status === 404);
});

test('a prompt without directives completes', async () => {
  const v = await t.client.videos.create({ prompt: 'two paper airplanes over a city skyline at dusk', seconds: '4' });
  const done = await waitForVideo(t.client, v.id);
  assert.equal(done.status, 'completed');
});
