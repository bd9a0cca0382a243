// A real reelay with its assets in a real S3-compatible server (s3rver): made by the local engine,
// served with ETag/Range/HEAD, read back for an edit, removed on delete and on expiry, and served
// by redirect to a presigned URL when s3Redirect is on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { startS3, type TestS3 } from '../helpers/s3.js';
import { startTestServer, waitForVideo, tempDir, rmrf, type TestServer } from '../helpers/server.js';

let s3: TestS3;
let t: TestServer;
let id: string;
const bytes: Record<string, Buffer> = {};

before(async () => {
  s3 = await startS3();
  t = await startTestServer({ concurrency: 1, s3Bucket: s3.bucket, s3Endpoint: s3.endpoint, s3ForcePathStyle: true, s3Prefix: 'main/' });
  const v = await t.client.videos.create({ prompt: 'a lighthouse on a cliff at dusk', seconds: '4' });
  id = v.id;
  const done = await waitForVideo(t.client, id);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
});
after(async () => {
  await t?.close();
  await s3?.close();
});

const get = (srv: TestServer, path: string, headers: Record<string, string> = {}, init: RequestInit = {}) =>
  fetch(`${srv.base}${path}`, { ...init, headers: { ...srv.auth(), ...headers } });

/** Polls until `check` holds (the sweeper runs on its own timer). */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`still not ${what} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('the three variants are objects in the bucket, under the prefix, and nothing is on disk', async () => {
  assert.deepEqual(await s3.keys(), [`main/videos/${id}/spritesheet.jpg`, `main/videos/${id}/thumbnail.webp`, `main/videos/${id}/video.mp4`]);
  assert.equal(existsSync(join(t.cfg.dataDir, 'blobs')), false);
  // The job's work dir (where the video was downloaded back for checking) is gone with the job.
  assert.deepEqual(readdirSync(join(t.cfg.dataDir, 'tmp')), []);
});

test('all three variants download: real MP4, WebP and JPEG bytes, the same as in the bucket', async () => {
  for (const [variant, type, magic] of [['video', 'video/mp4', (b: Buffer) => b.subarray(4, 8).toString('latin1') === 'ftyp'],
    ['thumbnail', 'image/webp', (b: Buffer) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP'],
    ['spritesheet', 'image/jpeg', (b: Buffer) => b[0] === 0xff && b[1] === 0xd8]] as const) {
    const res = await get(t, `/videos/${id}/content?variant=${variant}`);
    assert.equal(res.status, 200, variant);
    assert.equal(res.headers.get('content-type'), type);
    const body = Buffer.from(await res.arrayBuffer());
    assert.ok(magic(body), `${variant} starts ${body.subarray(0, 12).toString('hex')}`);
    assert.equal(Number(res.headers.get('content-length')), body.length);
    bytes[variant] = body;
  }
  assert.ok(bytes.video.length > 1000);
  const res = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: `main/videos/${id}/video.mp4` }));
  assert.deepEqual(Buffer.from(await res.Body!.transformToByteArray()), bytes.video);
});

test('ETag and If-None-Match (304), Range (206), suffix ranges, 416, HEAD', async () => {
  const full = bytes.video ?? Buffer.from(await (await get(t, `/videos/${id}/content`)).arrayBuffer());
  const first = await get(t, `/videos/${id}/content`, {}, { method: 'HEAD' });
  assert.equal(first.status, 200);
  assert.equal(first.headers.get('content-length'), String(full.length));
  assert.equal(first.headers.get('accept-ranges'), 'bytes');
  assert.equal((await first.arrayBuffer()).byteLength, 0);
  const etag = first.headers.get('etag')!;
  assert.match(etag, /^"[0-9a-f]{32}"$/);

  const cached = await get(t, `/videos/${id}/content`, { 'if-none-match': etag });
  assert.equal(cached.status, 304);
  assert.equal((await cached.arrayBuffer()).byteLength, 0);
  const stale = await get(t, `/videos/${id}/content`, { 'if-none-match': '"0000"' });
  assert.equal(stale.status, 200);
  await stale.arrayBuffer();

  const mid = await get(t, `/videos/${id}/content`, { range: 'bytes=500-1499' });
  assert.equal(mid.status, 206);
  assert.equal(mid.headers.get('content-range'), `bytes 500-1499/${full.length}`);
  assert.deepEqual(Buffer.from(await mid.arrayBuffer()), full.subarray(500, 1500));
  const tail = await get(t, `/videos/${id}/content`, { range: 'bytes=-64' });
  assert.equal(tail.status, 206);
  assert.deepEqual(Buffer.from(await tail.arrayBuffer()), full.subarray(full.length - 64));
  const bad = await get(t, `/videos/${id}/content`, { range: `bytes=${full.length}-` });
  assert.equal(bad.status, 416);
  await bad.arrayBuffer();
});

test('an edit reads its source video back from the bucket, and leaves no temp copy', async () => {
  const res = await fetch(`${t.base}/videos/edits`, {
    method: 'POST',
    headers: { ...t.auth(), 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'the same cliff in snow', video: { id } }),
  });
  assert.equal(res.status, 200);
  const edit = (await res.json()) as { id: string };
  const done = await waitForVideo(t.client, edit.id);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  const video = Buffer.from(await (await get(t, `/videos/${edit.id}/content`)).arrayBuffer());
  assert.equal(video.subarray(4, 8).toString('latin1'), 'ftyp');
  assert.notDeepEqual(video, bytes.video);
  assert.equal((await s3.keys(`main/videos/${edit.id}/`)).length, 3);
  assert.deepEqual(readdirSync(join(t.cfg.dataDir, 'tmp')), []);
});

test('deleting a video removes its objects', async () => {
  const v = await t.client.videos.create({ prompt: 'a red kite over a beach', seconds: '4' });
  assert.equal((await waitForVideo(t.client, v.id)).status, 'completed');
  assert.equal((await s3.keys(`main/videos/${v.id}/`)).length, 3);
  const before = await s3.keys();
  const res = await get(t, `/videos/${v.id}`, {}, { method: 'DELETE' });
  assert.equal(res.status, 200);
  await until('purged', async () => (await s3.keys(`main/videos/${v.id}/`)).length === 0);
  // Only that video's objects went.
  assert.deepEqual(await s3.keys(), before.filter((k) => !k.startsWith(`main/videos/${v.id}/`)));
  assert.ok((await s3.keys(`main/videos/${id}/`)).length === 3);
});

test("an expired video's objects are removed by the sweeper", async () => {
  const short = await startTestServer({ concurrency: 1, s3Bucket: s3.bucket, s3Endpoint: s3.endpoint, s3ForcePathStyle: true, s3Prefix: 'short/', retentionHours: 1 / 3600, sweepIntervalMs: 200 });
  try {
    const v = await short.client.videos.create({ prompt: 'a paper boat on a pond', seconds: '4' });
    assert.equal((await waitForVideo(short.client, v.id)).status, 'completed');
    await until('expired', async () => (await s3.keys(`short/videos/${v.id}/`)).length === 0);
    // They were there (the sweeper, as fast as it is here, may have taken them before a look), and a DeleteObjects took them.
    const reqs = await s3.requests();
    const put = reqs.findIndex((r) => r.startsWith(`PUT /${s3.bucket}/short/videos/${v.id}/video.mp4?`));
    assert.ok(put >= 0, 'the video was uploaded');
    assert.ok(reqs.slice(put).some((r) => r.startsWith(`POST /${s3.bucket}/?delete`)), 'and deleted in a batch');
    const res = await get(short, `/videos/${v.id}/content`);
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'video_expired');
    // The other server's objects are untouched.
    assert.equal((await s3.keys(`main/videos/${id}/`)).length, 3);
  } finally {
    await short.close();
  }
});

test('with s3Redirect, GET content answers 302 to a presigned URL that gives the same bytes; HEAD and 304 stay local', async () => {
  const r = await startTestServer({ concurrency: 1, s3Bucket: s3.bucket, s3Endpoint: s3.endpoint, s3ForcePathStyle: true, s3Prefix: 'redirect/', s3Redirect: true });
  try {
    const v = await r.client.videos.create({ prompt: 'a lighthouse on a cliff at dusk', seconds: '4' });
    assert.equal((await waitForVideo(r.client, v.id)).status, 'completed');
    const res = await get(r, `/videos/${v.id}/content`, {}, { redirect: 'manual' });
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.headers.get('etag'), null);
    const location = res.headers.get('location')!;
    assert.ok(location.startsWith(`${s3.endpoint}/${s3.bucket}/redirect/videos/${v.id}/video.mp4?`), location);
    assert.match(location, /X-Amz-Expires=300/);
    await res.arrayBuffer();

    // The URL, fetched without reelay's key, is the video.
    const direct = await fetch(location);
    assert.equal(direct.status, 200);
    assert.equal(direct.headers.get('content-type'), 'video/mp4');
    const body = Buffer.from(await direct.arrayBuffer());
    assert.equal(body.subarray(4, 8).toString('latin1'), 'ftyp');
    const key = `redirect/videos/${v.id}/video.mp4`;
    const stored = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    assert.deepEqual(body, Buffer.from(await stored.Body!.transformToByteArray()));

    // Followed as a client does, a Range goes along to the bucket.
    const ranged = await get(r, `/videos/${v.id}/content`, { range: 'bytes=0-99' });
    assert.equal(ranged.status, 206);
    assert.deepEqual(Buffer.from(await ranged.arrayBuffer()), body.subarray(0, 100));

    // The thumbnail's URL serves it as image/webp.
    const thumb = await get(r, `/videos/${v.id}/content?variant=thumbnail`, {}, { redirect: 'manual' });
    assert.equal(thumb.status, 302);
    await thumb.arrayBuffer();
    assert.equal((await fetch(thumb.headers.get('location')!)).headers.get('content-type'), 'image/webp');

    const head = await get(r, `/videos/${v.id}/content`, {}, { method: 'HEAD', redirect: 'manual' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(body.length));
    const etag = head.headers.get('etag')!;
    const cached = await get(r, `/videos/${v.id}/content`, { 'if-none-match': etag }, { redirect: 'manual' });
    assert.equal(cached.status, 304);
  } finally {
    await r.close();
  }
});

test('a start whose bucket cannot be reached fails, saying why', async () => {
  const dataDir = tempDir();
  try {
    await assert.rejects(
      startTestServer({ dataDir, s3Bucket: 'no-such-bucket', s3Endpoint: s3.endpoint, s3ForcePathStyle: true }),
      /S3 bucket 'no-such-bucket' at http:\/\/127\.0\.0\.1:\d+ cannot be reached: it does not exist/,
    );
    // It let go of the data dir: a start with the right bucket takes it.
    assert.equal(existsSync(join(dataDir, 'reelay.pid')), false);
  } finally {
    rmrf(dataDir);
  }
});

/** `reelay doctor --json` as a child process (this process serves, so never spawnSync). */
function doctor(env: Record<string, string>): Promise<{ code: number | null; report: { ok: boolean; blobs: { kind: string; path: string; ok: boolean; detail: string } } }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [resolve(import.meta.dirname, '../../bin/reelay.js'), 'doctor', '--json'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, REELAY_BASE_URL: t.url, REELAY_API_KEY: t.key, REELAY_DATA_DIR: t.cfg.dataDir, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', rej);
    child.on('exit', (code) => res({ code, report: JSON.parse(out) }));
  });
}

test('doctor reaches the bucket as serve would, and says why when it cannot', async () => {
  const good = await doctor({ ...s3.env, REELAY_S3_PREFIX: 'main/' });
  assert.equal(good.code, 0);
  assert.deepEqual(good.report.blobs, { kind: 's3', path: `s3://${s3.bucket}/main/`, ok: true, detail: s3.endpoint });
  const bad = await doctor({ ...s3.env, REELAY_S3_BUCKET: 'no-such-bucket' });
  assert.notEqual(bad.code, 0);
  assert.equal(bad.report.ok, false);
  assert.equal(bad.report.blobs.ok, false);
  assert.match(bad.report.blobs.detail, /cannot be reached: it does not exist/);
});
