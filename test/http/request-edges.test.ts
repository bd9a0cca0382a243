// The HTTP edges real clients hit, through raw HTTP: a Content-Type with no body (the Python SDK
// sends `content-type: application/json` on DELETE), media types in other spellings, multipart
// with a quoted boundary, unsupported types, and HEAD on content.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startTestServer, waitForVideo, type TestServer } from '../helpers/server.js';
import { assertError, assertVideo, SLOW } from '../validation/helpers.js';

let t: TestServer;
let done: string; // a completed video
let character: string;

before(async () => {
  t = await startTestServer();
  const v = await t.client.videos.create({ prompt: 'a red kite over a green hill', seconds: '4' });
  done = (await waitForVideo(t.client, v.id)).id;
  const clip = Buffer.from(await (await t.client.videos.downloadContent(done)).arrayBuffer());
  const form = new FormData();
  form.append('name', 'Kite');
  form.append('video', new Blob([new Uint8Array(clip)], { type: 'video/mp4' }), 'kite.mp4');
  const res = await fetch(`${t.base}/videos/characters`, { method: 'POST', headers: t.auth(), body: form });
  assert.equal(res.status, 200, await res.clone().text());
  character = ((await res.json()) as { id: string }).id;
});
after(() => t.close());

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** One request with exactly these headers and body framing. */
type Framing = 'none' | 'length-0' | 'chunked-empty';
function raw(method: string, path: string, headers: Record<string, string>, body?: string | Buffer, framing: Framing = 'none'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const h: Record<string, string> = { ...t.auth(), ...headers };
    if (body !== undefined) h['content-length'] = String(Buffer.byteLength(body));
    else if (framing === 'length-0') h['content-length'] = '0';
    else if (framing === 'chunked-empty') h['transfer-encoding'] = 'chunked';
    const req = request(`${t.url}${path}`, { method, headers: h }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = null;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = null;
        }
        resolve({ status: res.statusCode!, headers: res.headers, text, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The validation helpers' envelope check takes fetch-like answers. */
const answer = (r: Raw) => ({ status: r.status, headers: new Headers(r.headers as Record<string, string>), body: r.body, text: r.text });

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'Application/JSON; Charset=UTF-8'];
const FRAMINGS: Framing[] = ['none', 'length-0', 'chunked-empty'];

describe('a JSON content type with no body is no body', () => {
  test('on every route that takes none', async () => {
    const sacrificial = await t.client.videos.create({ prompt: `a paper boat ${SLOW}`, seconds: '4' });
    const routes: [string, string, (r: Raw) => void][] = [
      ['GET', '/v1/videos', (r) => assert.equal(r.body.object, 'list')],
      ['GET', `/v1/videos/${done}`, (r) => assert.equal(r.body.id, done)],
      ['GET', `/v1/videos/${done}/content`, (r) => assert.ok(r.text.length > 1000)],
      ['GET', `/v1/videos/${done}/content?variant=thumbnail`, (r) => assert.equal(r.headers['content-type'], 'image/webp')],
      ['GET', `/v1/videos/characters/${character}`, (r) => assert.equal(r.body.id, character)],
      ['GET', '/v1/models', (r) => assert.equal(r.body.object, 'list')],
      ['GET', '/v1/models/sora-2', (r) => assert.equal(r.body.id, 'sora-2')],
    ];
    for (const type of JSON_TYPES) {
      for (const framing of FRAMINGS) {
        for (const [method, path, check] of routes) {
          const r = await raw(method, path, { 'content-type': type }, undefined, framing);
          assert.equal(r.status, 200, `${method} ${path} (${type}, ${framing}): ${r.text.slice(0, 300)}`);
          check(r);
        }
      }
    }
    // DELETE last: the first one deletes, the later ones find nothing (404, not invalid_json).
    const first = await raw('DELETE', `/v1/videos/${sacrificial.id}`, { 'content-type': 'application/json' });
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(first.body, { id: sacrificial.id, object: 'video.deleted', deleted: true });
    for (const type of JSON_TYPES) {
      for (const framing of FRAMINGS) {
        const r = await raw('DELETE', `/v1/videos/${sacrificial.id}`, { 'content-type': type }, undefined, framing);
        assertError(answer(r), 404, { code: 'not_found', param: null }); // the contract's row: param null for an id in the path
      }
    }
  });

  test('a DELETE of a live video with a JSON content type and no body deletes it', async () => {
    for (const framing of FRAMINGS) {
      const v = await t.client.videos.create({ prompt: `a lantern ${SLOW}`, seconds: '4' });
      const r = await raw('DELETE', `/v1/videos/${v.id}`, { 'content-type': 'application/json; charset=utf-8' }, undefined, framing);
      assert.equal(r.status, 200, `${framing}: ${r.text}`);
      assert.equal(r.body.deleted, true);
      const after = await raw('GET', `/v1/videos/${v.id}`, {});
      assert.equal(after.status, 404);
    }
  });

  test('where a body is required, the missing field is named (never invalid_json)', async () => {
    const routes: [string, string][] = [
      ['/v1/videos', 'prompt'],
      [`/v1/videos/${done}/remix`, 'prompt'],
      ['/v1/videos/edits', 'prompt'],
      ['/v1/videos/extensions', 'prompt'],
      ['/v1/videos/characters', 'name'],
    ];
    for (const type of [...JSON_TYPES, 'multipart/form-data; boundary=xyz']) {
      for (const framing of FRAMINGS) {
        for (const [path, param] of routes) {
          const r = await raw('POST', path, { 'content-type': type }, undefined, framing);
          assertError(answer(r), 400, { param, code: 'missing_required_parameter', message: `Missing required parameter: '${param}'.` });
        }
      }
    }
  });

  test('whitespace or a malformed body is still invalid_json', async () => {
    for (const body of [' ', '{', '{"prompt": }']) {
      const r = await raw('POST', '/v1/videos', { 'content-type': 'application/json' }, body);
      assertError(answer(r), 400, { code: 'invalid_json' });
    }
  });
});

describe('content types real clients send', () => {
  const bad = JSON.stringify({ prompt: 'a kite', seconds: '15' });

  test('JSON with a charset, or in upper case, is JSON', async () => {
    for (const type of ['application/json; charset=utf-8', 'APPLICATION/JSON', 'Application/Json; charset="UTF-8"']) {
      const r = await raw('POST', '/v1/videos', { 'content-type': type }, bad);
      assertError(answer(r), 400, { param: 'seconds', code: 'invalid_value' });
    }
    const ok = await raw('POST', '/v1/videos', { 'content-type': 'APPLICATION/JSON; CHARSET=UTF-8' }, JSON.stringify({ prompt: `a kite ${SLOW}` }));
    const v = assertVideo(answer(ok));
    await t.client.videos.delete(v.id);
  });

  test('multipart with a quoted boundary, or an upper-case type, is multipart', async () => {
    const part = (b: string, name: string, value: string) => `--${b}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    for (const [type, b] of [
      ['multipart/form-data; boundary="quoted-boundary"', 'quoted-boundary'],
      ['Multipart/Form-Data; Boundary=UPPER', 'UPPER'],
      ['multipart/form-data; charset=utf-8; boundary="a:b=c"', 'a:b=c'],
    ]) {
      const bodyBad = part(b, 'prompt', 'a kite') + part(b, 'seconds', '15') + `--${b}--\r\n`;
      assertError(answer(await raw('POST', '/v1/videos', { 'content-type': type }, bodyBad)), 400, { param: 'seconds', code: 'invalid_value' });
      const bodyOk = part(b, 'prompt', `a kite ${SLOW}`) + part(b, 'seconds', '4') + `--${b}--\r\n`;
      const v = assertVideo(answer(await raw('POST', '/v1/videos', { 'content-type': type }, bodyOk)));
      assert.equal(v.seconds, '4');
      await t.client.videos.delete(v.id);
    }
  });

  test('an unsupported type answers 415 in the envelope, and nothing is stored', async () => {
    const before = (await t.client.videos.list({ limit: 100 })).data.length;
    for (const [type, body] of [
      ['text/plain', 'prompt=a kite'],
      ['application/xml', '<prompt>a kite</prompt>'],
      ['application/x-www-form-urlencoded', 'prompt=a+kite'],
      ['application/octet-stream', 'prompt'],
      ['image/png', '\x89PNG'],
    ]) {
      for (const path of ['/v1/videos', `/v1/videos/${done}/remix`, '/v1/videos/extensions']) {
        const r = await raw('POST', path, { 'content-type': type }, body);
        assertError(answer(r), 415, { code: 'unsupported_media_type', param: null, message: /Unsupported Content-Type/ });
      }
    }
    assert.equal((await t.client.videos.list({ limit: 100 })).data.length, before);
    assert.equal((await raw('GET', '/v1/models', {})).status, 200, 'the server is still up');
  });
});

describe('HEAD on content', () => {
  test('answers the headers of each variant without the body', async () => {
    for (const [variant, type] of [
      ['video', 'video/mp4'],
      ['thumbnail', 'image/webp'],
      ['spritesheet', 'image/jpeg'],
    ]) {
      const get = await fetch(`${t.base}/videos/${done}/content?variant=${variant}`, { headers: t.auth() });
      const bytes = Buffer.from(await get.arrayBuffer());
      const head = await raw('HEAD', `/v1/videos/${done}/content?variant=${variant}`, {});
      assert.equal(head.status, 200);
      assert.equal(head.text, '', 'no body');
      assert.equal(head.headers['content-type'], type);
      assert.equal(Number(head.headers['content-length']), bytes.length, 'the length of the full body');
      assert.equal(head.headers.etag, get.headers.get('etag'));
      assert.match(head.headers.etag as string, /^"[^"]+"$/);
      assert.equal(head.headers['accept-ranges'], 'bytes');
      assert.match(String(head.headers['x-request-id']), /^req_/);
    }
  });

  test('with Range and If-None-Match, as GET would', async () => {
    const head = await raw('HEAD', `/v1/videos/${done}/content`, { range: 'bytes=0-99' });
    assert.equal(head.status, 206);
    assert.equal(head.headers['content-length'], '100');
    assert.match(String(head.headers['content-range']), /^bytes 0-99\/\d+$/);
    assert.equal(head.text, '');
    const etag = String(head.headers.etag);
    const cached = await raw('HEAD', `/v1/videos/${done}/content`, { 'if-none-match': etag });
    assert.equal(cached.status, 304);
  });

  test('of a video not ready, or not there, answers the error status without a body', async () => {
    const slow = await t.client.videos.create({ prompt: `a lantern ${SLOW}`, seconds: '4' });
    const r = await raw('HEAD', `/v1/videos/${slow.id}/content`, {});
    assert.equal(r.status, 400);
    assert.equal(r.text, '');
    assert.equal((await raw('HEAD', '/v1/videos/video_00000000000000000000000000000000/content', {})).status, 404);
    await t.client.videos.delete(slow.id);
  });
});
