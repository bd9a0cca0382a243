// Body caps (413), malformed bodies (400/415), hostile multipart field names, hostile ids in
// paths, and a server fault (500 that leaks nothing). The server stays up through all of it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { SLOW, assertError, assertVideo, call, form, postForm, postJson, type Answer } from './helpers.js';
import { makeClip } from './clip.js';

let t: TestServer;
before(async () => {
  t = await startTestServer({ concurrency: 1 });
});
after(async () => {
  await t.close();
});

const P = `a windmill in a field ${SLOW}`;

/** Sends the path byte for byte (fetch would normalise dot segments). */
function rawRequest(s: TestServer, method: string, path: string): Promise<Answer> {
  const u = new URL(s.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path, headers: s.auth() }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        let body: unknown = null;
        try {
          body = JSON.parse(text);
        } catch {
          body = null;
        }
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
        resolve({ status: res.statusCode ?? 0, headers, body, text });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Every file under dir with its size and mtime, for "nothing on disk changed". */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const st = statSync(p);
        out.push(`${relative(dir, p)} ${st.size} ${st.mtimeMs}`);
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}

test('a JSON body over maxBodyBytes is a 413 request_too_large in the envelope', async () => {
  const big = JSON.stringify({ prompt: 'x'.repeat(t.cfg.maxBodyBytes + 10) });
  assertError(await call(t, 'POST', '/v1/videos', { raw: big }), 413, { param: null, code: 'request_too_large' });
  assertError(await call(t, 'POST', `/v1/videos/video_${'0'.repeat(32)}/remix`, { raw: big }), 413, { code: 'request_too_large' });
  assertVideo(await postJson(t, '/v1/videos', { prompt: P }));
});

test('an upload over maxUploadBytes is a 413; so is a form field over its cap', async () => {
  const s = await startTestServer({ concurrency: 1, maxUploadBytes: 20_000 });
  try {
    const noise = await sharp(Buffer.alloc(200 * 200 * 3).map(() => Math.floor(Math.random() * 256)), { raw: { width: 200, height: 200, channels: 3 } }).png().toBuffer();
    assert.ok(noise.length > 20_000, `noise png is ${noise.length} bytes`);
    const e = assertError(await postForm(s, '/v1/videos', form({ prompt: P }, [{ field: 'input_reference', data: noise, name: 'n.png', type: 'image/png' }])), 413, {
      param: null, code: 'request_too_large',
    });
    assert.match(e.message, /20000/);
    const clip = Buffer.alloc(30_000, 1);
    assertError(await postForm(s, '/v1/videos/characters', form({ name: 'Big' }, [{ field: 'video', data: clip, name: 'c.mp4', type: 'video/mp4' }])), 413, { code: 'request_too_large' });
    assertError(await postForm(s, '/v1/videos/edits', form({ prompt: 'x' }, [{ field: 'video', data: clip, name: 'c.mp4', type: 'video/mp4' }])), 413, { code: 'request_too_large' });
    // A field (e.g. a data: URL) larger than the field cap.
    assertError(await postForm(s, '/v1/videos', form({ prompt: P, 'input_reference[image_url]': `data:image/png;base64,${'A'.repeat(40_000)}` })), 413, {
      code: 'request_too_large',
    });
    // Many fields, each under the per-field cap, but too much together.
    const many = form({ prompt: P });
    for (let i = 0; i < 5; i++) many.append(`junk${i}`, 'j'.repeat(15_000));
    assertError(await postForm(s, '/v1/videos', many), 413, { code: 'request_too_large' });
    // No upload is left behind in the temp dir, and a small upload still works.
    const tmp = join(s.cfg.dataDir, 'tmp');
    const uploads = () => readdirSync(tmp).filter((n) => n.startsWith('upload-'));
    assert.deepEqual(uploads(), []);
    const small = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#123456' } }).png().toBuffer();
    assertVideo(await postForm(s, '/v1/videos', form({ prompt: P }, [{ field: 'input_reference', data: small, name: 's.png', type: 'image/png' }])));
    assert.deepEqual(uploads(), []);
  } finally {
    await s.close();
  }
});

test('malformed JSON, non-object JSON, empty JSON and unknown content types are 4xx in the envelope', async () => {
  const bad = assertError(await call(t, 'POST', '/v1/videos', { raw: '{"prompt": "a cat",' }), 400, { param: null });
  assert.match(bad.message, /JSON/);
  assertError(await call(t, 'POST', '/v1/videos', { raw: '["prompt"]' }), 400, { param: null });
  assertError(await call(t, 'POST', '/v1/videos', { raw: '"prompt"' }), 400, { param: null });
  assertError(await call(t, 'POST', '/v1/videos', { raw: 'null' }), 400);
  assertError(await call(t, 'POST', '/v1/videos', { raw: '' }), 400);
  assertError(await call(t, 'POST', '/v1/videos', { raw: 'prompt=hello', contentType: 'text/plain' }), 415);
  assertError(await call(t, 'POST', '/v1/videos', { raw: 'prompt=hello', contentType: 'application/x-www-form-urlencoded' }), 415);
  // A multipart body cut off in the middle.
  const cut = `--XYZ\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nhello`;
  assertError(await call(t, 'POST', '/v1/videos', { raw: cut, contentType: 'multipart/form-data; boundary=XYZ' }), 400);
  assertError(await call(t, 'POST', '/v1/videos', { raw: 'garbage', contentType: 'multipart/form-data' }), 400);
  assert.equal((await fetch(`${t.url}/healthz`)).status, 200);
});

test('hostile multipart field names are a 400 and pollute nothing', async () => {
  for (const name of ['__proto__[x]', 'a[b', 'prompt]', 'constructor[prototype][x]', 'input_reference[__proto__][polluted]', '[x]', 'a[]b', 'characters[0][constructor]']) {
    const fd = form({ prompt: P });
    fd.append(name, 'yes');
    const e = assertError(await postForm(t, '/v1/videos', fd), 400);
    assert.ok(e.code === 'invalid_value' || e.code === 'unknown_parameter', `${name}: ${e.code} ${e.message}`);
  }
  assert.equal(({} as Record<string, unknown>).x, undefined);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  // Same for JSON: __proto__ as a key is just an unknown field, never a prototype.
  const j = assertError(await call(t, 'POST', '/v1/videos', { raw: `{"prompt":"${P}","__proto__":{"polluted":1}}` }), 400);
  assert.ok(['unknown_parameter', 'invalid_json', null].includes(j.code), j.code ?? 'null');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assertVideo(await postForm(t, '/v1/videos', form({ prompt: P })));
});

test('path tricks in ids answer 404 and touch nothing on disk', async () => {
  const v = assertVideo(await postJson(t, '/v1/videos', { prompt: P, input_reference: { image_url: `data:image/png;base64,${(await sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } }).png().toBuffer()).toString('base64')}` } }));
  const canary = join(t.cfg.dataDir, 'canary.txt');
  writeFileSync(canary, 'still here');
  mkdirSync(join(t.cfg.dataDir, 'blobs', 'videos', 'canary'), { recursive: true });
  writeFileSync(join(t.cfg.dataDir, 'blobs', 'videos', 'canary', 'video.mp4'), 'canary');
  const blobsBefore = snapshot(join(t.cfg.dataDir, 'blobs'));

  const ids = ['..%2F..%2Fcanary.txt', '%2e%2e%2f%2e%2e%2fcanary.txt', 'canary', '..%5C..%5Ccanary.txt', `${v.id}%2F..%2F..%2Fcanary`, '%2Fetc%2Fpasswd', 'video_%00', `${v.id}%00`, '.', '..%2f', 'v'.repeat(5000), encodeURIComponent('video_ü😀')];
  for (const id of ids) {
    for (const [method, suffix] of [['GET', ''], ['DELETE', ''], ['GET', '/content'], ['GET', '/content?variant=thumbnail']] as const) {
      const a = await rawRequest(t, method, `/v1/videos/${id}${suffix}`);
      assertError(a, 404);
    }
    assertError(await rawRequest(t, 'GET', `/v1/videos/characters/${id}`), 404);
    assertError(await rawRequest(t, 'GET', `/v1/videos?after=${id}`), 404, { param: 'after' });
  }
  // A badly encoded segment is a 400 in the envelope (it cannot name anything).
  for (const path of ['/v1/videos/%ZZ', '/v1/videos/%ZZ/content', '/v1/videos/characters/%E0%A4%A']) assertError(await rawRequest(t, 'GET', path), 400);
  for (const path of ['/v1/videos/../../canary.txt', '/v1/videos/x/../../../canary.txt', `/v1/videos/${v.id}/../../canary.txt`]) {
    const a = await rawRequest(t, 'GET', path);
    assert.ok(a.status === 404 || a.status === 400, `${path}: ${a.status}`);
    assert.ok(!a.text.includes('still here'));
  }
  assert.equal(readFileSync(canary, 'utf8'), 'still here');
  assert.deepEqual(snapshot(join(t.cfg.dataDir, 'blobs')), blobsBefore, 'blobs untouched');
  assert.ok(existsSync(join(t.cfg.dataDir, 'blobs', 'inputs', v.id, 'reference.png')));
  assert.equal((await call(t, 'GET', `/v1/videos/${v.id}`)).status, 200);
});

test('a server fault is a 500 server_error that leaks no internals; the server stays up', async () => {
  const s = await startTestServer({ concurrency: 1 });
  try {
    // Make the blob store unable to write reference images: 'inputs' is a file, not a dir.
    const inputs = join(s.cfg.dataDir, 'blobs', 'inputs');
    rmSync(inputs, { recursive: true, force: true });
    mkdirSync(join(s.cfg.dataDir, 'blobs'), { recursive: true });
    writeFileSync(inputs, 'not a directory');
    const img = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#fff' } }).png().toBuffer();
    const a = await postForm(s, '/v1/videos', form({ prompt: P }, [{ field: 'input_reference', data: img, name: 'r.png', type: 'image/png' }]));
    const e = assertError(a, 500, { type: 'server_error', param: null, code: null });
    assert.doesNotMatch(e.message, /ENOTDIR|EEXIST|\/tmp|blobs|stack|at /, e.message);
    assert.ok(!a.text.includes(s.cfg.dataDir));
    assertVideo(await postJson(s, '/v1/videos', { prompt: P }));
  } finally {
    await s.close();
  }
});

test('other error rows: not found, unknown URL, content before completion, bad variant', async () => {
  assertError(await call(t, 'GET', `/v1/videos/video_${'f'.repeat(32)}`), 404, { code: 'not_found' });
  assertError(await call(t, 'GET', `/v1/videos/characters/char_${'f'.repeat(32)}`), 404, { code: 'not_found' });
  assertError(await call(t, 'GET', '/v1/models/sora-9'), 404);
  assertError(await call(t, 'GET', '/v1/nothing-here'), 404);
  assertError(await call(t, 'GET', '/nothing-here', { key: null }), 404);
  assertError(await call(t, 'PUT', '/v1/videos', { json: { prompt: 'x' } }), 404);
  assertError(await call(t, 'PATCH', `/v1/videos/video_${'f'.repeat(32)}`, { json: {} }), 404);
  const v = assertVideo(await postJson(t, '/v1/videos', { prompt: P }));
  assertError(await call(t, 'GET', `/v1/videos/${v.id}/content`), 400, { code: 'video_not_ready' });
  assertError(await call(t, 'GET', `/v1/videos/${v.id}/content?variant=gif`), 400, { param: 'variant', code: 'invalid_value' });
  assertError(await call(t, 'GET', `/v1/videos/${v.id}/content?format=mp4`), 400, { param: 'format', code: 'unknown_parameter' });
  assertError(await postJson(t, `/v1/videos/${v.id}/remix`, { prompt: 'again' }), 400, { type: 'invalid_request_error' });
  assertError(await postJson(t, `/v1/videos/${v.id}/remix`, { prompt: 'again', seconds: '8' }), 400, { code: 'unknown_parameter', param: 'seconds' });
  assertError(await postJson(t, '/v1/videos/extensions', { prompt: 'more', seconds: 4, video: { id: v.id } }), 400, { code: 'invalid_type', param: 'seconds' });
  assertError(await postJson(t, '/v1/videos/extensions', { prompt: 'more', video: { id: v.id } }), 400, { code: 'missing_required_parameter', param: 'seconds' });
  assertError(await postJson(t, '/v1/videos/edits', { prompt: 'more' }), 400, { code: 'missing_required_parameter', param: 'video' });
  assertError(await postJson(t, '/v1/videos/extensions', { prompt: 'more', seconds: '15', video: { id: v.id } }), 400, {
    code: 'invalid_value', param: 'seconds', message: "Invalid value: '15'. Supported values are: '4', '8', '12', '16', and '20'.",
  });
  assertError(await postForm(t, '/v1/videos/extensions', form({ prompt: 'more', seconds: '15', 'video[id]': v.id })), 400, { code: 'invalid_value', param: 'seconds' });
  assertError(await postJson(t, '/v1/videos/extensions', { prompt: 'more', seconds: 8, video: { id: v.id } }), 400, {
    code: 'invalid_type', param: 'seconds', message: "Invalid type for 'seconds': expected one of '4', '8', '12', '16', or '20', but got an integer instead.",
  });
  assertError(await postJson(t, '/v1/videos/edits', { video: { id: v.id } }), 400, { code: 'missing_required_parameter', param: 'prompt', message: "Missing required parameter: 'prompt'." });
  assertError(await postJson(t, '/v1/videos/edits', { prompt: 'x', video: { id: v.id }, duration: 4 }), 400, { code: 'unknown_parameter', param: 'duration', message: "Unknown parameter: 'duration'." });
  assertError(await postJson(t, '/v1/videos/edits', { prompt: 'x', video: v.id }), 400, { code: 'invalid_type', param: 'video' });
  const both = form({ prompt: 'x', 'video[id]': v.id }, [{ field: 'video', data: Buffer.from('x'), name: 'v.mp4', type: 'video/mp4' }]);
  assertError(await postForm(t, '/v1/videos/edits', both), 400, { param: 'video' });
  assertError(await postJson(t, `/v1/videos/${v.id}/remix`, {}), 400, { code: 'missing_required_parameter', param: 'prompt' });
  assertError(await postJson(t, `/v1/videos/video_${'e'.repeat(32)}/remix`, { prompt: 'x' }), 404, { code: 'not_found' });
});

test('extensions: the stitched total is capped at 120 s; an over-long upload is refused; nothing is left on disk', async () => {
  const long = await makeClip(110, '64x64');
  const inputs = join(t.cfg.dataDir, 'blobs', 'inputs');
  const before = existsSync(inputs) ? readdirSync(inputs).sort() : [];
  const over = form({ prompt: 'keep going', seconds: '12' }, [{ field: 'video', data: long, name: 'long.mp4', type: 'video/mp4' }]);
  const e = assertError(await postForm(t, '/v1/videos/extensions', over), 400, { param: 'seconds', code: 'invalid_value' });
  assert.match(e.message, /122/);
  assert.match(e.message, /120/);
  const tooLong = await makeClip(121, '64x64');
  assertError(await postForm(t, '/v1/videos/edits', form({ prompt: 'x' }, [{ field: 'video', data: tooLong, name: 'l.mp4', type: 'video/mp4' }])), 400, { param: 'video' });
  assertError(await postForm(t, '/v1/videos/extensions', form({ prompt: 'x', seconds: '4' }, [{ field: 'video', data: Buffer.from('junk'), name: 'l.mp4', type: 'video/mp4' }])), 400, { param: 'video' });
  assert.deepEqual(existsSync(inputs) ? readdirSync(inputs).sort() : [], before, 'a refused upload leaves no blob behind');
  // Within the cap it is accepted: 110 + 8 = 118.
  const ok = await postForm(t, '/v1/videos/extensions', form({ prompt: `keep going ${SLOW}`, seconds: '8' }, [{ field: 'video', data: long, name: 'long.mp4', type: 'video/mp4' }]));
  assert.equal(assertVideo(ok).seconds, '118');
});

test('uploaded "videos" that are playlists pointing elsewhere are refused and fetch nothing', async () => {
  let hits = 0;
  const origin = http.createServer((_req, res) => {
    hits++;
    res.end('x');
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  const port = (origin.address() as { port: number }).port;
  try {
    const lures = [
      `#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:4.0,\nhttp://127.0.0.1:${port}/seg.ts\n#EXT-X-ENDLIST\n`,
      `#EXTM3U\n#EXTINF:4.0,\nfile:///etc/hostname\n#EXT-X-ENDLIST\n`,
      `ffconcat version 1.0\nfile http://127.0.0.1:${port}/a.mp4\n`,
      `ffconcat version 1.0\nfile ${join(t.cfg.dataDir, 'canary.txt')}\n`,
    ];
    for (const text of lures) {
      for (const name of ['clip.mp4', 'clip.m3u8', 'clip']) {
        const file = [{ field: 'video', data: Buffer.from(text), name, type: 'application/vnd.apple.mpegurl' }];
        assertError(await postForm(t, '/v1/videos/characters', form({ name: 'Lure' }, file)), 400, { param: 'video' });
        assertError(await postForm(t, '/v1/videos/edits', form({ prompt: 'x' }, file)), 400, { param: 'video' });
        assertError(await postForm(t, '/v1/videos/extensions', form({ prompt: 'x', seconds: '4' }, file)), 400, { param: 'video' });
      }
    }
    assert.equal(hits, 0, 'ffmpeg never followed a playlist entry');
  } finally {
    origin.close();
  }
});
