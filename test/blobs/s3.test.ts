// S3BlobStore against a real S3-compatible server (s3rver).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { S3BlobStore, connectBlobs } from '../../src/blobs/index.js';
import { startS3, type TestS3 } from '../helpers/s3.js';
import { tempDir, rmrf } from '../helpers/server.js';

let s3: TestS3;
let blobs: S3BlobStore;
let dir: string;

before(async () => {
  s3 = await startS3();
  dir = tempDir('reelay-s3-blobs-');
  blobs = new S3BlobStore({ bucket: s3.bucket, endpoint: s3.endpoint, forcePathStyle: true, prefix: 'pre' });
});
after(async () => {
  rmrf(dir);
  blobs.close();
  await s3.close();
});

const collect = async (r: Readable) => {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
};

const sample = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) % 251));

test('put, stat, read and ranges; objects live under the prefix', async () => {
  assert.deepEqual(await blobs.put('videos/vid_a/video.mp4', sample), { bytes: sample.length });
  assert.deepEqual(await blobs.stat('videos/vid_a/video.mp4'), { bytes: sample.length });
  assert.deepEqual(await collect(blobs.read('videos/vid_a/video.mp4')), sample);
  assert.deepEqual(await collect(blobs.read('videos/vid_a/video.mp4', { start: 100, end: 199 })), sample.subarray(100, 200));
  assert.deepEqual(await collect(blobs.read('videos/vid_a/video.mp4', { start: 4990, end: 4999 })), sample.subarray(4990));
  assert.deepEqual(await s3.keys(), ['pre/videos/vid_a/video.mp4']);
  // Stored with its type, for anyone reading the bucket directly.
  const head = await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'pre/videos/vid_a/video.mp4' }));
  assert.equal(head.ContentType, 'video/mp4');
});

test('a missing blob: stat null, read fails with ENOENT', async () => {
  assert.equal(await blobs.stat('videos/vid_none/video.mp4'), null);
  await assert.rejects(collect(blobs.read('videos/vid_none/video.mp4')), (err: NodeJS.ErrnoException) => err.code === 'ENOENT');
  assert.throws(() => blobs.read('../etc/passwd'), /bad blob key/);
});

test('put from a stream counts its bytes; an empty stream is an empty blob', async () => {
  const stat = await blobs.put('inputs/vid_b/ref.png', Readable.from([sample.subarray(0, 1000), sample.subarray(1000)]));
  assert.equal(stat.bytes, sample.length);
  assert.deepEqual(await collect(blobs.read('inputs/vid_b/ref.png')), sample);
  assert.deepEqual(await blobs.put('inputs/vid_b/empty.png', Readable.from([])), { bytes: 0 });
  assert.deepEqual(await blobs.stat('inputs/vid_b/empty.png'), { bytes: 0 });
});

test('a source stream that fails fails the put and stores nothing', async () => {
  const failing = Readable.from((async function* () {
    yield Buffer.alloc(6 * 1024 * 1024, 1); // past one part: a multipart upload is under way
    throw new Error('source broke');
  })());
  await assert.rejects(blobs.put('videos/vid_c/video.mp4', failing), /source broke/);
  assert.equal(await blobs.stat('videos/vid_c/video.mp4'), null);
});

test('putFile uploads the file and removes it, as the disk store moves it', async () => {
  const file = join(dir, 'clip.mp4');
  writeFileSync(file, sample);
  assert.deepEqual(await blobs.putFile('videos/vid_d/video.mp4', file), { bytes: sample.length });
  assert.equal(existsSync(file), false);
  assert.deepEqual(await collect(blobs.read('videos/vid_d/video.mp4')), sample);
});

test('localPath downloads a copy into the given dir, once', async () => {
  const work = join(dir, 'work');
  const p = await blobs.localPath('videos/vid_a/video.mp4', work);
  assert.ok(p.startsWith(work + '/'));
  assert.deepEqual(readFileSync(p), sample);
  assert.equal(await blobs.localPath('videos/vid_a/video.mp4', work), p);
  assert.deepEqual(readdirSync(work), [p.slice(work.length + 1)]); // no temp file left beside it
  await assert.rejects(blobs.localPath('videos/vid_none/video.mp4', work));
  assert.deepEqual(readdirSync(work).length, 1);
});

test('deletePrefix removes every object under prefix/ in batches, and nothing beside it', async () => {
  // 1005 objects: two ListObjectsV2 pages, two DeleteObjects calls.
  const keys = Array.from({ length: 1005 }, (_, i) => `videos/vid_e/part${String(i).padStart(4, '0')}.jpg`);
  for (let i = 0; i < keys.length; i += 25) await Promise.all(keys.slice(i, i + 25).map((k) => blobs.put(k, Buffer.from(k))));
  await blobs.put('videos/vid_e2/video.mp4', sample); // shares the text "videos/vid_e", not the folder
  assert.equal((await s3.keys('pre/videos/vid_e/')).length, 1005);
  await blobs.deletePrefix('videos/vid_e');
  assert.deepEqual(await s3.keys('pre/videos/vid_e/'), []);
  assert.deepEqual(await s3.keys('pre/videos/vid_e2/'), ['pre/videos/vid_e2/video.mp4']);
  await blobs.deletePrefix('videos/vid_nothing'); // nothing there: no error
});

test('a large put goes up in parts and never holds the blob in memory', async () => {
  const size = 128 * 1024 * 1024;
  const chunk = 64 * 1024;
  const source = Readable.from((function* () {
    for (let off = 0; off < size; off += chunk) yield Buffer.alloc(chunk, (off / chunk) % 256);
  })());
  // Live memory, garbage collected first: what the upload holds, not what it has let go of.
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const live = () => { gc(); const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };
  const base = live();
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, live())), 20);
  const from = (await s3.requests()).length;
  const stat = await blobs.put('videos/vid_big/video.mp4', source);
  clearInterval(timer);
  const grew = peak - base;
  console.log(`128 MiB put: live memory (heapUsed + arrayBuffers) grew at most ${(grew / 1048576).toFixed(1)} MiB`);
  assert.equal(stat.bytes, size);
  assert.deepEqual(await blobs.stat('videos/vid_big/video.mp4'), { bytes: size });
  // One multipart upload: created, 26 parts of 5 MiB (the last one smaller), completed.
  const reqs = (await s3.requests()).slice(from);
  assert.equal(reqs.filter((r) => /^POST \/reelay-test\/pre\/videos\/vid_big\/video\.mp4\?uploads/.test(r)).length, 1, reqs.join('\n'));
  assert.equal(reqs.filter((r) => /^PUT .*[?&]partNumber=\d+/.test(r)).length, 26, reqs.join('\n'));
  assert.equal(reqs.filter((r) => /^POST .*[?&]uploadId=/.test(r)).length, 1, reqs.join('\n'));
  assert.ok(grew < size / 3, `live memory grew by ${grew} bytes for a ${size}-byte blob`);
  // The bytes came through in order: the 400th chunk is all 400 % 256.
  const mid = await collect(blobs.read('videos/vid_big/video.mp4', { start: 400 * chunk, end: 400 * chunk + 9 }));
  assert.deepEqual(mid, Buffer.alloc(10, 400 % 256));
});

test('a reader that stops early ends the download, and the store keeps working', async () => {
  const r = blobs.read('videos/vid_big/video.mp4');
  let got = 0;
  for await (const c of r) {
    got += (c as Buffer).length;
    break; // leaving the loop destroys the stream
  }
  assert.ok(got > 0 && got < 128 * 1024 * 1024);
  assert.equal(r.destroyed, true);
  await new Promise((res) => setTimeout(res, 100));
  assert.deepEqual(await collect(blobs.read('videos/vid_a/video.mp4')), sample);
});

test('a presigned URL GETs the bytes straight from the bucket, with the asked content type', async () => {
  const url = await blobs.presignedUrl('videos/vid_a/video.mp4', 300, 'video/mp4');
  assert.ok(url.startsWith(`${s3.endpoint}/${s3.bucket}/pre/videos/vid_a/video.mp4?`), url);
  assert.match(url, /X-Amz-Expires=300/);
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'video/mp4');
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), sample);
});

test('connectBlobs: disk without a bucket; a bucket that cannot be reached fails the start, saying why', async () => {
  const disk = await connectBlobs({ dataDir: dir, s3Bucket: null, s3Endpoint: null, s3Region: 'us-east-1', s3Prefix: '', s3ForcePathStyle: false, s3Redirect: false });
  assert.equal(disk instanceof S3BlobStore, false);
  const cfg = { dataDir: dir, s3Endpoint: s3.endpoint, s3Region: 'us-east-1', s3Prefix: '', s3ForcePathStyle: true, s3Redirect: false };
  const ok = await connectBlobs({ ...cfg, s3Bucket: s3.bucket });
  assert.ok(ok instanceof S3BlobStore);
  ok.close?.();
  await assert.rejects(connectBlobs({ ...cfg, s3Bucket: 'no-such-bucket' }), /S3 bucket 'no-such-bucket' at http:\/\/127\.0\.0\.1:\d+ cannot be reached: it does not exist/);
  await assert.rejects(connectBlobs({ ...cfg, s3Bucket: s3.bucket, s3Endpoint: 'http://127.0.0.1:1' }), /S3 bucket 'reelay-test' at http:\/\/127\.0\.0\.1:1 cannot be reached: .*ECONNREFUSED/);
});
