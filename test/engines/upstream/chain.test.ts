// Two reelays chained: A relays sora-2 to B, whose local engine renders it. The official SDK
// flow against A looks exactly as it does against B, and A keeps its own copies of the assets.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, waitForVideo, TEST_KEY, type TestServer } from '../../helpers/server.js';
import { probeBuffer, imageInfo } from '../../helpers/media.js';

let a: TestServer;
let b: TestServer;

before(async () => {
  b = await startTestServer();
  process.env.REELAY_TEST_CHAIN_KEY = TEST_KEY;
  a = await startTestServer({
    upstreams: [
      {
        id: 'b',
        baseUrl: b.base,
        apiKeyEnv: 'REELAY_TEST_CHAIN_KEY',
        pollIntervalMs: 250,
        models: { 'sora-2': { sizes: ['1280x720', '720x1280'], seconds: ['4', '8'], inputReference: true, remix: true, edit: true, extend: true } },
      },
    ] as never,
  });
});
after(async () => {
  await a.close();
  await b.close();
});

const bytes = async (r: Response) => Buffer.from(await r.arrayBuffer());

async function newestOnB() {
  const page = await b.client.videos.list({ limit: 1 });
  return page.data[0];
}

test('the SDK flow through A: create, retrieve until completed, all variants, remix; A serves its copies after B deletes them', async () => {
  const created = await a.client.videos.create({ prompt: 'a paper boat on a rainy street', seconds: '4', size: '1280x720' });
  assert.match(created.id, /^video_[0-9a-f]{32}$/);
  assert.equal(created.status, 'queued');
  assert.equal(created.model, 'sora-2');
  const done = await waitForVideo(a.client, created.id);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  assert.equal(done.progress, 100);
  assert.equal(done.size, '1280x720');
  assert.equal(done.seconds, '4');
  assert.equal(done.prompt, 'a paper boat on a rainy street');
  assert.ok(done.expires_at && done.completed_at && done.expires_at > done.completed_at);

  const onB = await newestOnB();
  assert.notEqual(onB.id, created.id, 'A gives its own id');
  assert.equal(onB.prompt, created.prompt);
  assert.equal(onB.status, 'completed');

  const video = await bytes(await a.client.videos.downloadContent(created.id));
  const info = await probeBuffer(video);
  assert.equal(info.codec, 'h264');
  assert.equal(`${info.width}x${info.height}`, '1280x720');
  assert.deepEqual(video, await bytes(await b.client.videos.downloadContent(onB.id)), 'A copied B’s video byte for byte');
  const thumb = await bytes(await a.client.videos.downloadContent(created.id, { variant: 'thumbnail' }));
  assert.equal((await imageInfo(thumb)).format, 'webp');
  const sprite = await bytes(await a.client.videos.downloadContent(created.id, { variant: 'spritesheet' }));
  assert.equal((await imageInfo(sprite)).format, 'jpeg');

  const remix = await a.client.videos.remix(created.id, { prompt: 'the same boat, at night' });
  assert.equal(remix.remixed_from_video_id, created.id);
  const remixed = await waitForVideo(a.client, remix.id);
  assert.equal(remixed.status, 'completed', JSON.stringify(remixed.error));
  assert.equal(remixed.remixed_from_video_id, created.id);
  const remixOnB = await newestOnB();
  assert.equal(remixOnB.remixed_from_video_id, onB.id, 'the remix went to B with B’s id of the source');

  await b.client.videos.delete(onB.id);
  await b.client.videos.delete(remixOnB.id);
  await assert.rejects(b.client.videos.retrieve(onB.id), (e: { status?: number }) => e.status === 404);
  assert.deepEqual(await bytes(await a.client.videos.downloadContent(created.id)), video);
  assert.deepEqual(await bytes(await a.client.videos.downloadContent(created.id, { variant: 'thumbnail' })), thumb);
  assert.deepEqual(await bytes(await a.client.videos.downloadContent(created.id, { variant: 'spritesheet' })), sprite);
  const remixVideo = await probeBuffer(await bytes(await a.client.videos.downloadContent(remix.id)));
  assert.equal(remixVideo.codec, 'h264');
});

test('a failure on B reaches A with its code and message', async () => {
  const created = await a.client.videos.create({ prompt: 'anything [reelay:moderation]', seconds: '4' });
  const done = await waitForVideo(a.client, created.id);
  assert.equal(done.status, 'failed');
  assert.equal(done.error?.code, 'moderation_blocked');
  assert.equal(done.error?.message, 'Your request was blocked by our moderation system.');
});

test('deleting on A cancels the job on B', async () => {
  const created = await a.client.videos.create({ prompt: 'a long wait [reelay:slow=60]', seconds: '4' });
  let onB = await newestOnB();
  for (let i = 0; i < 100 && onB?.prompt !== created.prompt; i++) {
    await new Promise((r) => setTimeout(r, 100));
    onB = await newestOnB();
  }
  assert.equal(onB.prompt, created.prompt);
  await a.client.videos.delete(created.id);
  let gone = false;
  for (let i = 0; i < 100 && !gone; i++) {
    gone = await b.client.videos.retrieve(onB.id).then(() => false, (e: { status?: number }) => e.status === 404);
    if (!gone) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(gone, 'B no longer has the job');
});
