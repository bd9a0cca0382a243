// The official openai client against a real reelay: the whole video flow.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { toFile } from 'openai';
import sharp from 'sharp';
import { startTestServer, waitForVideo, type TestServer } from '../helpers/server.js';
import { probeBuffer, imageInfo } from '../helpers/media.js';

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(async () => {
  await t.close();
});

test('create (multipart via the SDK), retrieve until completed, download all three variants', async () => {
  const created = await t.client.videos.create({ prompt: 'a red kite over a meadow on a sunny day', seconds: '4', size: '1280x720' });
  assert.equal(created.object, 'video');
  assert.match(created.id, /^video_[0-9a-f]{32}$/);
  assert.equal(created.status, 'queued');
  assert.equal(created.model, 'sora-2');
  const done = await waitForVideo(t.client, created.id);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  assert.equal(done.progress, 100);
  assert.ok(done.completed_at && done.expires_at && done.expires_at > done.completed_at);

  const video = Buffer.from(await (await t.client.videos.downloadContent(created.id)).arrayBuffer());
  const info = await probeBuffer(video);
  assert.equal(info.codec, 'h264');
  assert.equal(info.pixFmt, 'yuv420p');
  assert.equal(`${info.width}x${info.height}`, '1280x720');
  assert.ok(Math.abs(info.duration - 4) <= 1 / 24 + 1e-6, `duration ${info.duration}`);

  const thumb = Buffer.from(await (await t.client.videos.downloadContent(created.id, { variant: 'thumbnail' })).arrayBuffer());
  assert.equal((await imageInfo(thumb)).format, 'webp');
  const sprite = Buffer.from(await (await t.client.videos.downloadContent(created.id, { variant: 'spritesheet' })).arrayBuffer());
  assert.equal((await imageInfo(sprite)).format, 'jpeg');
});

test('create with an input_reference file: the fitted image is the first frame', async () => {
  const png = await sharp({ create: { width: 640, height: 360, channels: 3, background: '#3366cc' } }).png().toBuffer();
  const created = await t.client.videos.create({
    prompt: 'the camera slowly pushes in',
    input_reference: await toFile(png, 'ref.png', { type: 'image/png' }),
  });
  const done = await waitForVideo(t.client, created.id);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  assert.equal(done.size, '1280x720');
});
