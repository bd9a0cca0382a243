// Finished videos are answered from memory: the answer must be the same object list gives, stay
// right across repeated polls, and stop the moment the video is deleted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, waitForVideo } from '../helpers/server.js';
import { call } from '../validation/helpers.js';

test('polling a finished video: same body as list, then 404 once deleted', async () => {
  const t = await startTestServer({ concurrency: 1 });
  try {
    const done = await t.client.videos.create({ prompt: 'a blue balloon at noon', seconds: '4', size: '720x1280' });
    const failed = await t.client.videos.create({ prompt: 'a storm [reelay:moderation]' });
    assert.equal((await waitForVideo(t.client, done.id)).status, 'completed');
    assert.equal((await waitForVideo(t.client, failed.id)).status, 'failed');
    const listed = (await call(t, 'GET', '/v1/videos?order=asc')).body.data as Record<string, unknown>[];
    for (const [i, id] of [done.id, failed.id].entries()) {
      const first = await call(t, 'GET', `/v1/videos/${id}`);
      const again = await call(t, 'GET', `/v1/videos/${id}`);
      assert.equal(first.status, 200);
      assert.match(first.headers.get('content-type') ?? '', /^application\/json; charset=utf-8/);
      assert.equal(first.headers.get('openai-poll-after-ms'), null, 'finished: no poll hint');
      assert.equal(again.text, first.text, 'repeated polls answer the same bytes');
      assert.deepEqual(first.body, listed[i]);
      assert.deepEqual(Object.keys(first.body), Object.keys(listed[i]), 'same fields in the same order');
    }
    await t.client.videos.delete(done.id);
    assert.equal((await call(t, 'GET', `/v1/videos/${done.id}`)).status, 404);
    const other = await t.otherKey();
    assert.equal((await call(t, 'GET', `/v1/videos/${failed.id}`, { key: other })).status, 404, 'another project never gets it');
  } finally {
    await t.close();
  }
});
