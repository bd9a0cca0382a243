// input_reference: how many, what bytes, how big, which way up, how it is fitted, and where
// it may be fetched from. The fitted PNG the server stores is read back from the data dir.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import { deflateSync, crc32 } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { SLOW, assertError, assertVideo, form, postForm, postJson } from './helpers.js';

let t: TestServer;
before(async () => {
  t = await startTestServer({ concurrency: 1 });
});
after(async () => {
  await t.close();
});

const P = `a harbour at dawn ${SLOW}`;

const solid = (w: number, h: number, color: string) => sharp({ create: { width: w, height: h, channels: 3, background: color } }).png().toBuffer();
const png = (data: Buffer, name = 'ref.png', type = 'image/png') => ({ field: 'input_reference', data, name, type });

function storedReference(s: TestServer, id: string): Buffer {
  const path = join(s.cfg.dataDir, 'blobs', 'inputs', id, 'reference.png');
  assert.ok(existsSync(path), `fitted reference stored at ${path}`);
  return readFileSync(path);
}

async function pixel(buf: Buffer, x: number, y: number): Promise<[number, number, number]> {
  const { data, info } = await sharp(buf).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * 3;
  return [data[i], data[i + 1], data[i + 2]];
}

function near(actual: [number, number, number], expected: [number, number, number], what: string) {
  assert.ok(actual.every((c, i) => Math.abs(c - expected[i]) <= 40), `${what}: got rgb(${actual}), expected about rgb(${expected})`);
}
const RED: [number, number, number] = [255, 0, 0];
const GREEN: [number, number, number] = [0, 255, 0];
const BLUE: [number, number, number] = [0, 0, 255];
const BLACK: [number, number, number] = [0, 0, 0];

/** A PNG chunk: length, type, data, CRC. */
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td) >>> 0);
  return Buffer.concat([len, td, crc]);
}

/** A valid 1-bit greyscale PNG of width x height, all black: tiny on disk, huge when decoded. */
function bombPng(width: number, height: number, rows = height): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // greyscale
  const raw = Buffer.alloc(rows * (1 + Math.ceil(width / 8))); // filter byte 0 + zero bits per row
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

test('at most one input_reference: two files, or a file plus image_url, are a 400 on input_reference', async () => {
  const img = await solid(64, 64, '#888888');
  const two = form({ prompt: P }, [png(img, 'a.png'), png(img, 'b.png')]);
  assertError(await postForm(t, '/v1/videos', two), 400, { param: 'input_reference' });
  const mixed = form({ prompt: P, 'input_reference[image_url]': `data:image/png;base64,${img.toString('base64')}` }, [png(img)]);
  assertError(await postForm(t, '/v1/videos', mixed), 400, { param: 'input_reference' });
  // image_url and file_id together in one object is also refused.
  assertError(await postJson(t, '/v1/videos', { prompt: P, input_reference: { image_url: 'https://example.com/a.png', file_id: 'file_1' } }), 400, { param: 'input_reference' });
});

test('the reference is judged by its bytes, not its declared type', async () => {
  const img = await solid(1280, 720, '#00ff00');
  const asGif = assertVideo(await postForm(t, '/v1/videos', form({ prompt: P }, [png(img, 'ref.gif', 'image/gif')])));
  near(await pixel(storedReference(t, asGif.id), 640, 360), GREEN, 'png declared as gif');

  const text = Buffer.from('this is not an image at all, just text pretending\n'.repeat(20));
  const e = assertError(await postForm(t, '/v1/videos', form({ prompt: P }, [png(text, 'ref.png', 'image/png')])), 400, { param: 'input_reference' });
  assert.match(e.message, /JPEG, PNG or WebP/);
  const gif = Buffer.from('R0lGODlhAQABAIAAAAAAAP///ywAAAAAAQABAAACAUwAOw==', 'base64');
  assertError(await postForm(t, '/v1/videos', form({ prompt: P }, [png(gif, 'ref.png', 'image/png')])), 400, { param: 'input_reference' });
  // A PNG signature with garbage after it does not crash anything either.
  const broken = Buffer.concat([img.subarray(0, 40), Buffer.alloc(200, 7)]);
  assertError(await postForm(t, '/v1/videos', form({ prompt: P }, [png(broken)])), 400, { param: 'input_reference' });
  const webp = await sharp(img).webp().toBuffer();
  assertVideo(await postForm(t, '/v1/videos', form({ prompt: P }, [png(webp, 'x.bin', 'application/octet-stream')])));
});

test('decompression bombs are refused with a 400 and the server stays up', async () => {
  // Declares 60000x60000 (3.6 gigapixels) but carries one row of data.
  const header = bombPng(60000, 60000, 1);
  assert.ok(header.length < 10_000);
  const a = assertError(await postForm(t, '/v1/videos', form({ prompt: P }, [png(header)])), 400, { param: 'input_reference' });
  assert.match(a.message, /60000x60000/);
  assert.doesNotMatch(a.message, /sharp|vips|Error:/i, 'no internals leak');
  // A complete, valid 8000x6000 image (48 MP, over the 40 MP default cap) that is a few KB.
  const real = bombPng(8000, 6000);
  assert.ok(real.length < 100_000, `bomb is ${real.length} bytes`);
  const e = assertError(await postForm(t, '/v1/videos', form({ prompt: P }, [png(real)])), 400, { param: 'input_reference' });
  assert.match(e.message, /too large|pixel/i);
  // Same bomb as a data: URL.
  const viaUrl = await postJson(t, '/v1/videos', { prompt: P, input_reference: { image_url: `data:image/png;base64,${real.toString('base64')}` } });
  assertError(viaUrl, 400, { param: 'input_reference' });
  assert.equal((await fetch(`${t.url}/healthz`)).status, 200);
  assertVideo(await postJson(t, '/v1/videos', { prompt: P }));
});

test('EXIF orientation is honoured: an orientation-6 JPEG is stored upright', async () => {
  // Stored pixels: 1280x720, left half red, right half blue. Orientation 6 means "rotate 90°
  // clockwise to display", so upright it is 720x1280 with red on top and blue below.
  const half = await sharp({ create: { width: 640, height: 720, channels: 3, background: '#ff0000' } }).png().toBuffer();
  const jpeg = await sharp({ create: { width: 1280, height: 720, channels: 3, background: '#0000ff' } })
    .composite([{ input: half, left: 0, top: 0 }])
    .jpeg({ quality: 95 })
    .withMetadata({ orientation: 6 })
    .toBuffer();
  assert.equal((await sharp(jpeg).metadata()).orientation, 6);

  // With fit=reject it only matches 720x1280 if the orientation was applied.
  const portrait = assertVideo(await postForm(t, '/v1/videos', form({ prompt: P, size: '720x1280', input_reference_fit: 'reject' }, [png(jpeg, 'r.jpg', 'image/jpeg')])));
  const ref = storedReference(t, portrait.id);
  const meta = await sharp(ref).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 720, 1280]);
  assert.equal(meta.orientation, undefined, 'orientation stripped');
  assert.equal(meta.exif, undefined, 'EXIF stripped');
  near(await pixel(ref, 360, 100), RED, 'top of the upright image');
  near(await pixel(ref, 360, 1180), BLUE, 'bottom of the upright image');
  assertError(await postForm(t, '/v1/videos', form({ prompt: P, size: '1280x720', input_reference_fit: 'reject' }, [png(jpeg, 'r.jpg', 'image/jpeg')])), 400, {
    param: 'input_reference',
  });

  // Cropped into a landscape frame, the band is still red above blue (not left/right).
  const land = assertVideo(await postForm(t, '/v1/videos', form({ prompt: P, size: '1280x720' }, [png(jpeg, 'r.jpg', 'image/jpeg')])));
  const lref = storedReference(t, land.id);
  near(await pixel(lref, 100, 50), RED, 'landscape crop, top left');
  near(await pixel(lref, 1180, 50), RED, 'landscape crop, top right');
  near(await pixel(lref, 100, 670), BLUE, 'landscape crop, bottom left');
});

test('fit policies: crop (default), pad, stretch, reject', async () => {
  // 400x400: a 40 px red frame around a green square.
  const inner = await solid(320, 320, '#00ff00');
  const framed = await sharp({ create: { width: 400, height: 400, channels: 3, background: '#ff0000' } }).composite([{ input: inner, left: 40, top: 40 }]).png().toBuffer();
  const make = async (fields: Record<string, string>) => storedReference(t, assertVideo(await postForm(t, '/v1/videos', form({ prompt: P, ...fields }, [png(framed)]))).id);

  for (const [name, ref] of [['default', await make({})], ['crop', await make({ input_reference_fit: 'crop' })]] as const) {
    const m = await sharp(ref).metadata();
    assert.deepEqual([m.width, m.height], [1280, 720]);
    near(await pixel(ref, 640, 10), GREEN, `${name}: top centre is cropped into the green`);
    near(await pixel(ref, 10, 360), RED, `${name}: left edge keeps the red frame`);
  }
  const pad = await make({ input_reference_fit: 'pad' });
  near(await pixel(pad, 640, 10), RED, 'pad: top centre is the red frame');
  near(await pixel(pad, 10, 360), BLACK, 'pad: left bar is black');
  near(await pixel(pad, 640, 360), GREEN, 'pad: centre');
  const stretch = await make({ input_reference_fit: 'stretch' });
  near(await pixel(stretch, 640, 10), RED, 'stretch: top centre');
  near(await pixel(stretch, 10, 360), RED, 'stretch: left edge');
  near(await pixel(stretch, 640, 360), GREEN, 'stretch: centre');

  assertError(await postForm(t, '/v1/videos', form({ prompt: P, input_reference_fit: 'reject' }, [png(framed)])), 400, {
    param: 'input_reference',
    message: 'Inpaint image must match the requested width and height',
  });
  const exact = await solid(720, 1280, '#0000ff');
  const ok = assertVideo(await postForm(t, '/v1/videos', form({ prompt: P, size: '720x1280', input_reference_fit: 'reject' }, [png(exact)])));
  near(await pixel(storedReference(t, ok.id), 360, 640), BLUE, 'reject: a matching image is used as is');
});

test('a server configured with referenceFit=reject applies it by default; the request can override', async () => {
  const s = await startTestServer({ concurrency: 1, referenceFit: 'reject' });
  try {
    const small = await solid(100, 100, '#00ff00');
    assertError(await postForm(s, '/v1/videos', form({ prompt: P }, [png(small)])), 400, {
      param: 'input_reference', message: 'Inpaint image must match the requested width and height',
    });
    assertVideo(await postForm(s, '/v1/videos', form({ prompt: P, input_reference_fit: 'pad' }, [png(small)])));
  } finally {
    await s.close();
  }
});

test('image_url: a data: URL works; a bad data: URL is a 400', async () => {
  const img = await solid(300, 200, '#0000ff');
  const v = assertVideo(await postJson(t, '/v1/videos', { prompt: P, input_reference: { image_url: `data:image/png;base64,${img.toString('base64')}` } }));
  const ref = storedReference(t, v.id);
  assert.deepEqual([(await sharp(ref).metadata()).width, (await sharp(ref).metadata()).height], [1280, 720]);
  near(await pixel(ref, 640, 360), BLUE, 'data: URL image');
  const m = assertVideo(await postForm(t, '/v1/videos', form({ prompt: P, 'input_reference[image_url]': `data:image/png;base64,${img.toString('base64')}` })));
  assert.ok(storedReference(t, m.id).length > 0);
  assertError(await postJson(t, '/v1/videos', { prompt: P, input_reference: { image_url: 'data:nonsense' } }), 400, { param: 'input_reference.image_url' });
  assertError(await postJson(t, '/v1/videos', { prompt: P, input_reference: { image_url: 'data:image/png,%E0%A4%A' } }), 400, { param: 'input_reference.image_url' });
  assertError(await postJson(t, '/v1/videos', { prompt: P, input_reference: { image_url: 'data:image/png;base64,' } }), 400, { param: 'input_reference' });
  assertError(await postJson(t, '/v1/videos', { prompt: P, input_reference: { image_url: 'ftp://example.com/a.png' } }), 400, { param: 'input_reference.image_url' });
  assertError(await postJson(t, '/v1/videos', { prompt: P, input_reference: 'https://example.com/a.png' }), 400, { param: 'input_reference', code: 'invalid_type' });
});

test('image_url: loopback/private refused by default, fetched when imageUrlAllowPrivate is set', async () => {
  const img = await solid(1280, 720, '#ff0000');
  let hits = 0;
  const origin = http.createServer((req, res) => {
    hits++;
    if (req.url === '/redirect') {
      res.writeHead(302, { location: '/ref.png' });
      return res.end();
    }
    if (req.url === '/hang') return; // never answers: the fetch must time out
    if (req.url === '/huge.png') {
      res.writeHead(200, { 'content-type': 'image/png' });
      return res.end(Buffer.concat([img, Buffer.alloc(300_000)]));
    }
    if (req.url === '/text.png') {
      res.writeHead(200, { 'content-type': 'image/png' });
      return res.end('<html>not an image</html>');
    }
    if (req.url !== '/ref.png') {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, { 'content-type': 'image/png' });
    res.end(img);
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  const port = (origin.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/ref.png`;
  try {
    const plain = assertError(await postJson(t, '/v1/videos', { prompt: P, input_reference: { image_url: 'http://example.com/a.png' } }), 400, { param: 'input_reference.image_url' });
    assert.match(plain.message, /only https/);
    const sneaky = [
      url,
      `https://127.0.0.1:${port}/ref.png`, `https://[::1]:${port}/ref.png`, 'https://10.0.0.1/ref.png', 'https://169.254.169.254/latest/meta-data',
      `https://localhost:${port}/ref.png`, `https://[::ffff:127.0.0.1]:${port}/ref.png`, `https://[::ffff:7f00:1]:${port}/ref.png`,
      `https://0x7f.1:${port}/ref.png`, `https://2130706433:${port}/ref.png`, `https://[::127.0.0.1]:${port}/ref.png`, `https://[64:ff9b::7f00:1]:${port}/x.png`,
      'https://[fd00::1]/x.png', 'https://[fe80::1]/x.png', 'https://0.0.0.0/x.png', 'https://192.168.1.1/x.png', 'https://172.20.0.1/x.png',
    ];
    for (const u of sneaky) {
      const e = assertError(await postJson(t, '/v1/videos', { prompt: P, input_reference: { image_url: u } }), 400, { param: 'input_reference.image_url' });
      assert.match(e.message, /private, loopback and link-local addresses are not allowed/, `${u}: ${e.message}`);
    }
    assert.equal(hits, 0, 'the default server never connected to the loopback origin');

    const open = await startTestServer({ concurrency: 1, imageUrlAllowPrivate: true, imageUrlTimeoutMs: 1000, maxUploadBytes: 200_000 });
    try {
      const v = assertVideo(await postJson(open, '/v1/videos', { prompt: P, input_reference: { image_url: url } }));
      near(await pixel(storedReference(open, v.id), 640, 360), RED, 'fetched image');
      const viaRedirect = assertVideo(await postForm(open, '/v1/videos', form({ prompt: P, 'input_reference[image_url]': `http://127.0.0.1:${port}/redirect` })));
      near(await pixel(storedReference(open, viaRedirect.id), 10, 10), RED, 'fetched after a redirect');
      const missing = assertError(await postJson(open, '/v1/videos', { prompt: P, input_reference: { image_url: `http://127.0.0.1:${port}/nope.png` } }), 400, {
        param: 'input_reference.image_url',
      });
      assert.match(missing.message, /404/);
      const slow = assertError(await postJson(open, '/v1/videos', { prompt: P, input_reference: { image_url: `http://127.0.0.1:${port}/hang` } }), 400, { param: 'input_reference.image_url' });
      assert.match(slow.message, /timed out/);
      const huge = assertError(await postJson(open, '/v1/videos', { prompt: P, input_reference: { image_url: `http://127.0.0.1:${port}/huge.png` } }), 400, { param: 'input_reference.image_url' });
      assert.match(huge.message, /too large/);
      assertError(await postJson(open, '/v1/videos', { prompt: P, input_reference: { image_url: `http://127.0.0.1:${port}/text.png` } }), 400, { param: 'input_reference' });
      assert.ok(hits >= 4);
    } finally {
      await open.close();
    }
  } finally {
    origin.close();
  }
});

test('input_reference[file_id] is refused with a clear message', async () => {
  for (const a of [
    await postJson(t, '/v1/videos', { prompt: P, input_reference: { file_id: 'file_abc123' } }),
    await postForm(t, '/v1/videos', form({ prompt: P, 'input_reference[file_id]': 'file_abc123' })),
  ]) {
    const e = assertError(a, 400, { param: 'input_reference.file_id' });
    assert.match(e.message, /file_abc123/);
    assert.match(e.message, /Files API/);
    assert.match(e.message, /image_url/);
  }
});
