// GET /v1/videos: parameter checks and cursor pagination (first_id, last_id, has_more) in both
// orders, with deleted videos never showing up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { SLOW, assertError, assertVideo, call, postJson } from './helpers.js';

let t: TestServer;
let key: string;
const ids: string[] = []; // creation order, oldest first
before(async () => {
  t = await startTestServer({ concurrency: 1 });
  key = await t.otherKey(); // a project of its own: the list holds only these videos
  for (let i = 0; i < 7; i++) ids.push(assertVideo(await postJson(t, '/v1/videos', { prompt: `list item ${i} ${SLOW}` }, key)).id);
});
after(async () => {
  await t.close();
});

type Page = { object: string; data: { id: string; object: string }[]; first_id: string | null; last_id: string | null; has_more: boolean };

async function page(query: string): Promise<Page> {
  const a = await call(t, 'GET', `/v1/videos${query}`, { key });
  assert.equal(a.status, 200, a.text);
  assert.match(a.headers.get('x-request-id') ?? '', /^req_/);
  const p = a.body as Page;
  assert.equal(p.object, 'list');
  assert.deepEqual(Object.keys(p).sort(), ['data', 'first_id', 'has_more', 'last_id', 'object']);
  assert.equal(p.first_id, p.data[0]?.id ?? null);
  assert.equal(p.last_id, p.data[p.data.length - 1]?.id ?? null);
  for (const v of p.data) assert.equal(v.object, 'video');
  return p;
}

/** Follows last_id the way the SDK does. */
async function walk(order: 'asc' | 'desc', limit: number): Promise<{ ids: string[]; pages: Page[] }> {
  const pages: Page[] = [];
  let after: string | null = null;
  for (;;) {
    const p = await page(`?limit=${limit}&order=${order}${after ? `&after=${after}` : ''}`);
    pages.push(p);
    if (!p.has_more) break;
    after = p.last_id;
    assert.ok(pages.length < 20, 'pagination terminates');
  }
  return { ids: pages.flatMap((p) => p.data.map((v) => v.id)), pages };
}

test('limit must be an integer 1..100; order asc|desc; no other parameters', async () => {
  for (const limit of ['0', '101', 'abc', '-1', '2.5', '', '1e2']) {
    const e = assertError(await call(t, 'GET', `/v1/videos?limit=${limit}`, { key }), 400, { param: 'limit', code: 'invalid_value' });
    assert.ok(e.message.includes(`'${limit}'`), e.message);
  }
  for (const order of ['ascending', 'DESC', 'random', '']) {
    assertError(await call(t, 'GET', `/v1/videos?order=${order}`, { key }), 400, { param: 'order', code: 'invalid_value' });
  }
  assertError(await call(t, 'GET', '/v1/videos?page=2', { key }), 400, { param: 'page', code: 'unknown_parameter', message: "Unknown parameter: 'page'." });
  assertError(await call(t, 'GET', `/v1/videos?after=video_${'0'.repeat(32)}`, { key }), 404, { param: 'after' });
  assert.equal((await page('?limit=1')).data.length, 1);
  assert.equal((await page('?limit=100')).data.length, 7);
  assert.equal((await page('')).data.length, 7); // default 20
});

test('pages cover every video exactly once, in both orders, with has_more right', async () => {
  const desc = await walk('desc', 3);
  assert.deepEqual(desc.ids, [...ids].reverse());
  assert.deepEqual(desc.pages.map((p) => [p.data.length, p.has_more]), [[3, true], [3, true], [1, false]]);
  const asc = await walk('asc', 3);
  assert.deepEqual(asc.ids, ids);
  assert.deepEqual(asc.pages.map((p) => p.has_more), [true, true, false]);
  // Exactly a page's worth left: has_more is false, not a trailing empty page.
  const seven = await walk('asc', 7);
  assert.deepEqual(seven.pages.map((p) => [p.data.length, p.has_more]), [[7, false]]);
  const six = await walk('desc', 6);
  assert.deepEqual(six.pages.map((p) => [p.data.length, p.has_more]), [[6, true], [1, false]]);
  // After the last one: an empty page with null ids.
  const end = await page(`?order=asc&after=${ids[6]}`);
  assert.deepEqual([end.data, end.first_id, end.last_id, end.has_more], [[], null, null, false]);
  // The SDK's auto-pagination agrees.
  const client = new OpenAI({ apiKey: key, baseURL: t.base, maxRetries: 0 });
  const seen: string[] = [];
  for await (const v of client.videos.list({ limit: 2 })) seen.push(v.id);
  assert.deepEqual(seen, [...ids].reverse());
});

test('deleted videos never appear, and a deleted id still works as a cursor', async () => {
  const gone = [ids[1], ids[4]];
  for (const id of gone) {
    const d = await call(t, 'DELETE', `/v1/videos/${id}`, { key });
    assert.equal(d.status, 200, d.text);
    assert.deepEqual(d.body, { id, object: 'video.deleted', deleted: true });
    assertError(await call(t, 'GET', `/v1/videos/${id}`, { key }), 404);
    assertError(await call(t, 'DELETE', `/v1/videos/${id}`, { key }), 404);
    assertError(await call(t, 'GET', `/v1/videos/${id}/content`, { key }), 404);
    assertError(await postJson(t, `/v1/videos/${id}/remix`, { prompt: 'again' }, key), 404);
    assertError(await postJson(t, '/v1/videos/edits', { prompt: 'again', video: { id } }, key), 404);
    assertError(await postJson(t, '/v1/videos/extensions', { prompt: 'again', seconds: '4', video: { id } }, key), 404);
  }
  const left = ids.filter((id) => !gone.includes(id));
  assert.deepEqual((await walk('asc', 2)).ids, left);
  assert.deepEqual((await walk('desc', 2)).ids, [...left].reverse());
  const fromGone = await page(`?order=asc&after=${ids[1]}&limit=100`);
  assert.deepEqual(fromGone.data.map((v) => v.id), left.slice(1));
  const full = await page('?limit=100');
  assert.equal(full.data.length, 5);
  assert.ok(!full.data.some((v) => gone.includes(v.id)));
});
