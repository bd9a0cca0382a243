// Idempotency-Key on every POST, against a real server: replays (same status, body, video; no
// second job or quota charge), mismatches, concurrency, multipart with files, project scope,
// expiry, a request that died after storing its video, and the official SDK retrying a create
// whose answer was lost on the way.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import OpenAI, { toFile } from 'openai';
import { startTestServer, waitForVideo, type TestServer } from '../helpers/server.js';
import { startLossyProxy, type LossyProxy } from '../helpers/lossy-proxy.js';
import { assertError, call, form, SLOW } from '../validation/helpers.js';
import { fingerprint } from '../../src/http/idempotency.js';
import { newVideoId } from '../../src/videos/service.js';

let t: TestServer;
let done: string;
let png: Buffer;
let projectId: string;
let n = 0;
const freshKey = () => `test-key-${process.pid}-${++n}`;

before(async () => {
  t = await startTestServer();
  projectId = await t.server.store.ensureProject('default');
  png = await sharp({ create: { width: 1280, height: 720, channels: 3, background: { r: 200, g: 40, b: 40 } } }).png().toBuffer();
  done = (await waitForVideo(t.client, (await t.client.videos.create({ prompt: 'a green field', seconds: '4' })).id)).id;
});
after(() => t.close());

const countVideos = async () => (await t.server.store.listVideos({ projectId, afterId: null, limit: 100, order: 'desc' }))!.data.length;
const post = (path: string, key: string | null, opts: { json?: unknown; form?: FormData; apiKey?: string }) =>
  call(t, 'POST', path, { ...opts, key: opts.apiKey, headers: key === null ? {} : { 'idempotency-key': key } });

describe('replays', () => {
  test('the same key and request answer the first response again, with no second video', async () => {
    const key = freshKey();
    const before = await countVideos();
    const body = { prompt: `a paper lantern ${SLOW}`, seconds: '4' };
    const first = await post('/v1/videos', key, { json: body });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.headers.get('idempotent-replayed'), null);
    const again = await post('/v1/videos', key, { json: { seconds: '4', prompt: body.prompt } }); // field order does not matter
    assert.equal(again.status, 200);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(again.text, first.text, 'the same body, byte for byte');
    assert.equal(again.headers.get('openai-poll-after-ms'), first.headers.get('openai-poll-after-ms'));
    assert.match(again.headers.get('x-request-id') ?? '', /^req_/);
    assert.notEqual(again.headers.get('x-request-id'), first.headers.get('x-request-id'), 'a request id of its own');
    assert.equal(await countVideos(), before + 1);
    await t.client.videos.delete(first.body.id);
  });

  test('a different request with a used key answers 422 and stores nothing', async () => {
    const key = freshKey();
    const first = await post('/v1/videos', key, { json: { prompt: `a kite ${SLOW}` } });
    assert.equal(first.status, 200);
    const before = await countVideos();
    assertError(await post('/v1/videos', key, { json: { prompt: `another kite ${SLOW}` } }), 422, { code: 'idempotency_key_reused', param: null, message: /different request/ });
    assertError(await post(`/v1/videos/${done}/remix`, key, { json: { prompt: `a kite ${SLOW}` } }), 422, { code: 'idempotency_key_reused' });
    assert.equal(await countVideos(), before);
    await t.client.videos.delete(first.body.id);
  });

  test('requests without the header are not deduplicated', async () => {
    const before = await countVideos();
    const a = await post('/v1/videos', null, { json: { prompt: `twin ${SLOW}` } });
    const b = await post('/v1/videos', null, { json: { prompt: `twin ${SLOW}` } });
    assert.notEqual(a.body.id, b.body.id);
    assert.equal(await countVideos(), before + 2);
    await t.client.videos.delete(a.body.id);
    await t.client.videos.delete(b.body.id);
  });

  test('a refused request does not use up its key', async () => {
    const key = freshKey();
    assertError(await post('/v1/videos', key, { json: { prompt: 'a kite', seconds: '15' } }), 400, { code: 'invalid_value' });
    const ok = await post('/v1/videos', key, { json: { prompt: `a kite ${SLOW}`, seconds: '4' } });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.headers.get('idempotent-replayed'), null);
    await t.client.videos.delete(ok.body.id);
  });

  test('a malformed key is refused', async () => {
    for (const key of ['has space', 'x'.repeat(256), '']) {
      assertError(await post('/v1/videos', key, { json: { prompt: 'a kite' } }), 400, { code: 'invalid_idempotency_key', message: /Idempotency-Key/ });
    }
  });

  test('remix, edits, extensions and characters replay too', async () => {
    const clip = Buffer.from(await (await t.client.videos.downloadContent(done)).arrayBuffer());
    const cases: [string, () => { json?: unknown; form?: FormData }][] = [
      [`/v1/videos/${done}/remix`, () => ({ json: { prompt: `the field at night ${SLOW}` } })],
      ['/v1/videos/edits', () => ({ json: { prompt: `the field in snow ${SLOW}`, video: { id: done } } })],
      ['/v1/videos/extensions', () => ({ json: { prompt: `the field goes on ${SLOW}`, seconds: '4', video: { id: done } } })],
      ['/v1/videos/edits', () => ({ form: form({ prompt: `an uploaded edit ${SLOW}` }, [{ field: 'video', data: clip, name: 'clip.mp4', type: 'video/mp4' }]) })],
      ['/v1/videos/characters', () => ({ form: form({ name: 'Field' }, [{ field: 'video', data: clip, name: 'clip.mp4', type: 'video/mp4' }]) })],
    ];
    for (const [path, body] of cases) {
      const key = freshKey();
      const before = await countVideos();
      const first = await post(path, key, body());
      assert.equal(first.status, 200, `${path}: ${first.text}`);
      const again = await post(path, key, body());
      assert.equal(again.status, 200);
      assert.equal(again.headers.get('idempotent-replayed'), 'true', path);
      assert.equal(again.body.id, first.body.id, path);
      if (path !== '/v1/videos/characters') {
        assert.equal(await countVideos(), before + 1, path);
        await t.client.videos.delete(first.body.id);
      }
    }
  });
});

describe('multipart and files', () => {
  test('the same fields and file bytes are the same request, whatever the filename; other bytes are not', async () => {
    const key = freshKey();
    const make = (name: string, data: Buffer) => form({ prompt: `a red wall ${SLOW}`, seconds: '4' }, [{ field: 'input_reference', data, name, type: 'image/png' }]);
    const first = await post('/v1/videos', key, { form: make('a.png', png) });
    assert.equal(first.status, 200, first.text);
    const again = await post('/v1/videos', key, { form: make('renamed.png', png) });
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(again.body.id, first.body.id);
    const other = await sharp({ create: { width: 1280, height: 720, channels: 3, background: { r: 0, g: 40, b: 200 } } }).png().toBuffer();
    assertError(await post('/v1/videos', key, { form: make('a.png', other) }), 422, { code: 'idempotency_key_reused' });
    await t.client.videos.delete(first.body.id);
  });

  test('concurrent requests with one key and a reference image upload make one video', async () => {
    const key = freshKey();
    const before = await countVideos();
    const calls = Array.from({ length: 6 }, () =>
      t.client.videos.create(
        { prompt: `a red wall at noon ${SLOW}`, seconds: '4', input_reference: toFile(png, 'wall.png', { type: 'image/png' }) as never },
        { headers: { 'Idempotency-Key': key } },
      ).withResponse(),
    );
    const results = await Promise.all(calls);
    const ids = new Set(results.map((r) => r.data.id));
    assert.equal(ids.size, 1, `one video, got ${[...ids].join(', ')}`);
    assert.equal(results.filter((r) => r.response.headers.get('idempotent-replayed') === 'true').length, 5);
    assert.equal(await countVideos(), before + 1);
    await t.client.videos.delete([...ids][0]);
  });
});

describe('scope, quota and time', () => {
  test('keys are per project: the same key in another project is another request', async () => {
    const key = freshKey();
    const other = await t.otherKey();
    const a = await post('/v1/videos', key, { json: { prompt: `a boat ${SLOW}` } });
    const b = await post('/v1/videos', key, { json: { prompt: `a boat ${SLOW}` }, apiKey: other });
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.notEqual(a.body.id, b.body.id);
    assert.equal(b.headers.get('idempotent-replayed'), null);
    await t.client.videos.delete(a.body.id);
  });

  test('a replay is not charged to the quota again', async () => {
    const q = await startTestServer({ quotaSecondsPerDay: 8 });
    try {
      const key = 'quota-key';
      const body = { prompt: `a kite ${SLOW}`, seconds: '4' };
      const first = await call(q, 'POST', '/v1/videos', { json: body, headers: { 'idempotency-key': key } });
      assert.equal(first.status, 200);
      for (let i = 0; i < 3; i++) {
        const again = await call(q, 'POST', '/v1/videos', { json: body, headers: { 'idempotency-key': key } });
        assert.equal(again.status, 200);
        assert.equal(again.body.id, first.body.id);
      }
      // 4 of 8 seconds used: one more 4 s video fits, the next does not.
      assert.equal((await call(q, 'POST', '/v1/videos', { json: body })).status, 200);
      assertError(await call(q, 'POST', '/v1/videos', { json: body }), 429, { type: 'insufficient_quota', code: 'insufficient_quota' });
    } finally {
      await q.close();
    }
  });

  test('a key is kept for idempotencyTtlHours, then it is free again', async () => {
    const q = await startTestServer({ idempotencyTtlHours: 1 / 3600 }); // one second
    try {
      const body = { prompt: `a kite ${SLOW}` };
      const first = await call(q, 'POST', '/v1/videos', { json: body, headers: { 'idempotency-key': 'ttl' } });
      const soon = await call(q, 'POST', '/v1/videos', { json: body, headers: { 'idempotency-key': 'ttl' } });
      assert.equal(soon.body.id, first.body.id);
      await new Promise((r) => setTimeout(r, 1100));
      const later = await call(q, 'POST', '/v1/videos', { json: body, headers: { 'idempotency-key': 'ttl' } });
      assert.equal(later.status, 200);
      assert.notEqual(later.body.id, first.body.id);
      assert.equal(later.headers.get('idempotent-replayed'), null);
      // The sweeper removes records past their time.
      await new Promise((r) => setTimeout(r, 1100));
      assert.ok((await q.server.store.purgeIdempotency(Date.now() - 1000)) >= 1);
    } finally {
      await q.close();
    }
  });

  test('a request that stored its video and died before answering is never run twice', async () => {
    // What such a request leaves: a begun record bound to the video in the insert's transaction, no answer.
    const key = freshKey();
    const fields = { prompt: `a crash ${SLOW}`, seconds: '4' };
    const print = await fingerprint('POST', '/v1/videos', { fields, files: [] });
    assert.equal((await t.server.store.beginIdempotent(projectId, key, print, { nowMs: Date.now(), ttlMs: 86_400_000, abandonAfterMs: 120_000 })).state, 'started');
    const id = newVideoId();
    const stored = await t.server.store.insertVideo(
      {
        id, projectId, model: 'sora-2', createdAt: Math.floor(Date.now() / 1000), prompt: fields.prompt, size: '1280x720', seconds: '4',
        remixedFromVideoId: null, kind: 'create', sourceVideoId: null, engine: 'local', billedSeconds: 4,
        params: { seed: 1, fit: 'crop', referenceKey: null, uploadKey: null, characters: [], extensionCount: 0 },
      },
      undefined,
      { key },
    );
    assert.ok(stored);
    const before = await countVideos();
    const retry = await post('/v1/videos', key, { json: fields });
    assert.equal(retry.status, 200, retry.text);
    assert.equal(retry.body.id, id);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.equal(await countVideos(), before);
    await t.client.videos.delete(id);
  });
});

describe('the official SDK retrying a create whose answer was lost', () => {
  let proxy: LossyProxy;
  before(async () => {
    proxy = await startLossyProxy(t.url);
  });
  after(() => proxy.close());

  test('with an Idempotency-Key, the retry gets the same video and no second one is made', async () => {
    const client = new OpenAI({ apiKey: t.key, baseURL: `${proxy.url}/v1`, maxRetries: 2, timeout: 30_000 });
    const before = await countVideos();
    const key = `lose-${freshKey()}`;
    const v = await client.videos.create({ prompt: `a lost answer ${SLOW}`, seconds: '4' }, { headers: { 'Idempotency-Key': key } });
    assert.ok(proxy.lost.has(key), 'the first answer was cut');
    assert.equal(v.id, proxy.lost.get(key), 'the retry answered the video the first attempt made');
    assert.equal(await countVideos(), before + 1);
    await t.client.videos.delete(v.id);
  });
});
