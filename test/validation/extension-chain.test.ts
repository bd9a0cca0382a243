// At most 6 extensions in a chain. The chain is rendered for real, at 4 fps so it stays cheap.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, waitForVideo, type TestServer } from '../helpers/server.js';
import { probeBuffer } from '../helpers/media.js';
import { assertError, assertVideo, postJson } from './helpers.js';

let t: TestServer;
before(async () => {
  t = await startTestServer({ concurrency: 1, localFps: 4 });
});
after(async () => {
  await t.close();
});

test('a seventh extension is refused; seconds is the stitched total at every step', async () => {
  let current = assertVideo(await postJson(t, '/v1/videos', { prompt: 'a red train crossing a bridge', seconds: '4' }));
  assert.equal((await waitForVideo(t.client, current.id)).status, 'completed');
  for (let n = 1; n <= 6; n++) {
    const next = assertVideo(await postJson(t, '/v1/videos/extensions', { prompt: 'the train keeps going', seconds: '4', video: { id: current.id } }));
    assert.equal(next.seconds, String(4 + 4 * n));
    // Extending something not yet completed is a 400, not a silent queue.
    assertError(await postJson(t, '/v1/videos/extensions', { prompt: 'too soon', seconds: '4', video: { id: next.id } }), 400, { type: 'invalid_request_error' });
    const done = await waitForVideo(t.client, next.id);
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    current = next;
  }
  const e = assertError(await postJson(t, '/v1/videos/extensions', { prompt: 'one more', seconds: '4', video: { id: current.id } }), 400, { param: 'video', code: 'invalid_value' });
  assert.match(e.message, /at most 6/);
  const mp4 = Buffer.from(await (await t.client.videos.downloadContent(current.id)).arrayBuffer());
  const info = await probeBuffer(mp4);
  assert.ok(Math.abs(info.duration - 28) <= 0.5, `stitched duration ${info.duration}`);
});
