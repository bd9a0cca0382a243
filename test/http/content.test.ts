// GET /v1/videos/{id}/content against a real server: streaming, Range, ETag, and its errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, waitForVideo, type TestServer } from '../helpers/server.js';

let t: TestServer;
let id: string;
let full: Buffer;

before(async () => {
  t = await startTestServer({ concurrency: 1 });
  const v = await t.client.videos.create({ prompt: 'a lighthouse on a cliff at dusk', seconds: '4' });
  id = v.id;
  const done = await waitForVideo(t.client, id);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
});
after(async () => {
  await t.close();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${t.base}${path}`, { headers: { ...t.auth(), ...headers } });

test('the full video streams with content-length, content-type, etag and accept-ranges', async () => {
  const res = await get(`/videos/${id}/content`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'video/mp4');
  assert.equal(res.headers.get('accept-ranges'), 'bytes');
  assert.match(res.headers.get('etag') ?? '', /^"[0-9a-f]+"$/);
  full = Buffer.from(await res.arrayBuffer());
  assert.ok(full.length > 1000);
  assert.equal(Number(res.headers.get('content-length')), full.length);
  // An MP4 starts with an ftyp box.
  assert.equal(full.subarray(4, 8).toString('latin1'), 'ftyp');
});

test('Range: bytes=0-99 answers 206 with exactly those bytes', async () => {
  const res = await get(`/videos/${id}/content`, { range: 'bytes=0-99' });
  assert.equal(res.status, 206);
  assert.equal(res.headers.get('content-range'), `bytes 0-99/${full.length}`);
  assert.equal(res.headers.get('content-length'), '100');
  const body = Buffer.from(await res.arrayBuffer());
  assert.deepEqual(body, full.subarray(0, 100));
});

test('a middle range and an open-ended range', async () => {
  const mid = await get(`/videos/${id}/content`, { range: 'bytes=500-1499' });
  assert.equal(mid.status, 206);
  assert.equal(mid.headers.get('content-range'), `bytes 500-1499/${full.length}`);
  assert.deepEqual(Buffer.from(await mid.arrayBuffer()), full.subarray(500, 1500));

  const open = await get(`/videos/${id}/content`, { range: `bytes=${full.length - 10}-` });
  assert.equal(open.status, 206);
  assert.equal(open.headers.get('content-range'), `bytes ${full.length - 10}-${full.length - 1}/${full.length}`);
  assert.deepEqual(Buffer.from(await open.arrayBuffer()), full.subarray(full.length - 10));

  // An end past the file is clamped to the last byte.
  const past = await get(`/videos/${id}/content`, { range: `bytes=${full.length - 5}-${full.length + 1000}` });
  assert.equal(past.status, 206);
  assert.deepEqual(Buffer.from(await past.arrayBuffer()), full.subarray(full.length - 5));
});

test('a suffix range returns the last N bytes', async () => {
  const res = await get(`/videos/${id}/content`, { range: 'bytes=-64' });
  assert.equal(res.status, 206);
  assert.equal(res.headers.get('content-range'), `bytes ${full.length - 64}-${full.length - 1}/${full.length}`);
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), full.subarray(full.length - 64));

  // A suffix longer than the file is the whole file.
  const all = await get(`/videos/${id}/content`, { range: `bytes=-${full.length * 2}` });
  assert.equal(all.status, 206);
  assert.equal(all.headers.get('content-range'), `bytes 0-${full.length - 1}/${full.length}`);
  assert.deepEqual(Buffer.from(await all.arrayBuffer()), full);
});

test('an unsatisfiable range answers 416 with content-range */size in the error envelope', async () => {
  for (const range of [`bytes=${full.length}-`, `bytes=${full.length + 10}-${full.length + 20}`, 'bytes=-0']) {
    const res = await get(`/videos/${id}/content`, { range });
    assert.equal(res.status, 416, range);
    assert.equal(res.headers.get('content-range'), `bytes */${full.length}`);
    const body = (await res.json()) as { error: { type: string; code: string } };
    assert.equal(body.error.type, 'invalid_request_error');
    assert.equal(body.error.code, 'range_not_satisfiable');
    assert.ok(res.headers.get('x-request-id'));
  }
});

test('If-None-Match with the ETag answers 304 with no body; another ETag gets the file', async () => {
  const first = await get(`/videos/${id}/content`);
  const etag = first.headers.get('etag')!;
  await first.arrayBuffer();
  const again = await get(`/videos/${id}/content`, { 'if-none-match': etag });
  assert.equal(again.status, 304);
  assert.equal(again.headers.get('etag'), etag);
  assert.equal((await again.arrayBuffer()).byteLength, 0);

  const weak = await get(`/videos/${id}/content`, { 'if-none-match': `"nope", W/${etag}` });
  assert.equal(weak.status, 304);
  await weak.arrayBuffer();

  const other = await get(`/videos/${id}/content`, { 'if-none-match': '"something-else"' });
  assert.equal(other.status, 200);
  assert.deepEqual(Buffer.from(await other.arrayBuffer()), full);
});

test('If-Range with a stale ETag ignores the range and sends the whole file', async () => {
  const res = await get(`/videos/${id}/content`, { range: 'bytes=0-9', 'if-range': '"stale"' });
  assert.equal(res.status, 200);
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), full);
});

test('thumbnail and spritesheet have their own types and ETags, and honour Range too', async () => {
  const thumb = await get(`/videos/${id}/content?variant=thumbnail`);
  assert.equal(thumb.status, 200);
  assert.equal(thumb.headers.get('content-type'), 'image/webp');
  const thumbBytes = Buffer.from(await thumb.arrayBuffer());
  assert.equal(Number(thumb.headers.get('content-length')), thumbBytes.length);
  assert.equal(thumbBytes.subarray(8, 12).toString('latin1'), 'WEBP');

  const sprite = await get(`/videos/${id}/content?variant=spritesheet`, { range: 'bytes=0-1' });
  assert.equal(sprite.status, 206);
  assert.equal(sprite.headers.get('content-type'), 'image/jpeg');
  assert.deepEqual([...Buffer.from(await sprite.arrayBuffer())], [0xff, 0xd8]);
  assert.notEqual(sprite.headers.get('etag'), thumb.headers.get('etag'));
});

test('an unknown variant is 400 with param variant', async () => {
  const res = await get(`/videos/${id}/content?variant=gif`);
  assert.equal(res.status, 400);
  const body = (await res.json()) as { error: { param: string; code: string; type: string; message: string } };
  assert.equal(body.error.param, 'variant');
  assert.equal(body.error.type, 'invalid_request_error');
  assert.equal(body.error.code, 'invalid_value');
  assert.match(body.error.message, /'video', 'thumbnail', and 'spritesheet'/);
});

test('content of a video that is not ready is 400 video_not_ready; unknown id is 404', async () => {
  const slow = await t.client.videos.create({ prompt: 'a slow pan over dunes [reelay:slow=30]', seconds: '4' });
  const res = await get(`/videos/${slow.id}/content`);
  assert.equal(res.status, 400);
  const body = (await res.json()) as { error: { code: string; type: string } };
  assert.equal(body.error.code, 'video_not_ready');
  assert.equal(body.error.type, 'invalid_request_error');
  await t.client.videos.delete(slow.id);

  const missing = await get(`/videos/video_${'0'.repeat(32)}/content`);
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'not_found');
});

test('content of a failed video is 400 video_not_ready', async () => {
  const v = await t.client.videos.create({ prompt: 'a storm [reelay:error]', seconds: '4' });
  const done = await waitForVideo(t.client, v.id);
  assert.equal(done.status, 'failed');
  const res = await get(`/videos/${v.id}/content`);
  assert.equal(res.status, 400);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'video_not_ready');
});

test('an asset whose file is gone answers 404 video_expired; an unreadable one a clean 500 envelope', async () => {
  const v = await t.client.videos.create({ prompt: 'a teapot on a table', seconds: '4' });
  assert.equal((await waitForVideo(t.client, v.id)).status, 'completed');
  const dir = join(t.cfg.dataDir, 'blobs', 'videos', v.id);

  // Gone (e.g. swept between the lookup and the read): expiry, not a fault.
  rmSync(join(dir, 'thumbnail.webp'));
  const gone = await get(`/videos/${v.id}/content?variant=thumbnail`);
  assert.equal(gone.status, 404);
  assert.match(gone.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(gone.headers.get('etag'), null);
  assert.equal(((await gone.json()) as { error: { code: string } }).error.code, 'video_expired');

  // Present but unreadable: the stream fails, and the answer is still the contract's 500.
  rmSync(join(dir, 'video.mp4'));
  mkdirSync(join(dir, 'video.mp4'));
  for (const headers of [{}, { range: 'bytes=0-9' }] as Record<string, string>[]) {
    const res = await get(`/videos/${v.id}/content`, headers);
    assert.equal(res.status, 500);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(res.headers.get('etag'), null);
    assert.equal(res.headers.get('content-range'), null);
    assert.ok(res.headers.get('x-request-id'));
    const text = await res.text();
    const body = JSON.parse(text) as { error: { type: string; code: null; message: string } };
    assert.equal(body.error.type, 'server_error');
    assert.doesNotMatch(text, /EISDIR|FST_|statusCode|\/tmp/);
  }
  // The server is still fine.
  assert.equal((await get(`/videos/${id}/content`, { range: 'bytes=0-0' })).status, 206);
});
