// Response headers the contract promises: x-request-id everywhere, openai-processing-ms on JSON,
// openai-poll-after-ms only on video objects that are not terminal.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, waitForVideo, type TestServer } from '../helpers/server.js';

let t: TestServer;
before(async () => {
  t = await startTestServer({ concurrency: 1 });
});
after(async () => {
  await t.close();
});

const call = (path: string, init: RequestInit & { key?: string | null } = {}) => {
  const headers: Record<string, string> = { ...(init.headers as Record<string, string>) };
  if (init.key !== null) headers.authorization = `Bearer ${init.key ?? t.key}`;
  return fetch(`${t.url}${path}`, { ...init, headers });
};

function assertRequestId(res: Response, what: string) {
  assert.match(res.headers.get('x-request-id') ?? '', /^req_[0-9a-f]{24}$/, `${what}: x-request-id`);
}

function assertProcessingMs(res: Response, what: string) {
  const v = res.headers.get('openai-processing-ms');
  assert.ok(v !== null && /^\d+$/.test(v), `${what}: openai-processing-ms is ${v}`);
}

test('x-request-id and openai-processing-ms on success, 401, 404 and validation errors; ids differ', async () => {
  const cases: [string, Promise<Response>, number][] = [
    ['list', call('/v1/videos'), 200],
    ['models', call('/v1/models'), 200],
    ['no key', call('/v1/videos', { key: null }), 401],
    ['bad key', call('/v1/videos', { key: 'sk-not-a-real-key-abcd' }), 401],
    ['unknown video', call(`/v1/videos/video_${'a'.repeat(32)}`), 404],
    ['unknown route', call('/v1/nothing-here'), 404],
    ['unknown route, no auth', call('/nothing-here', { key: null }), 404],
    ['bad json', call('/v1/videos', { method: 'POST', body: '{', headers: { 'content-type': 'application/json' } }), 400],
    ['healthz', call('/healthz', { key: null }), 200],
    ['readyz', call('/readyz', { key: null }), 200],
    [
      'body too large',
      call('/v1/videos', { method: 'POST', body: JSON.stringify({ prompt: 'x'.repeat(2 * 1024 * 1024) }), headers: { 'content-type': 'application/json' } }),
      413,
    ],
    ['wrong content type', call('/v1/videos', { method: 'POST', body: 'prompt=x', headers: { 'content-type': 'text/plain' } }), 415],
  ];
  const ids = new Set<string>();
  for (const [what, p, status] of cases) {
    const res = await p;
    assert.equal(res.status, status, what);
    assertRequestId(res, what);
    assertProcessingMs(res, what);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/, what);
    ids.add(res.headers.get('x-request-id')!);
    await res.arrayBuffer();
  }
  assert.equal(ids.size, cases.length, 'every response has its own request id');
});

test('openai-poll-after-ms on queued and in-progress videos only', async () => {
  const created = await call('/v1/videos', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'a windmill in a field of tulips', seconds: '4' }),
  });
  assert.equal(created.status, 200);
  const v = (await created.json()) as { id: string; status: string };
  assert.equal(v.status, 'queued');
  assert.match(created.headers.get('openai-poll-after-ms') ?? '', /^\d+$/);
  assertRequestId(created, 'create');
  assertProcessingMs(created, 'create');

  // Poll: every non-terminal object carries the header, the terminal one does not.
  let sawInProgress = false;
  for (;;) {
    const res = await call(`/v1/videos/${v.id}`);
    const body = (await res.json()) as { status: string };
    if (body.status === 'completed' || body.status === 'failed') {
      assert.equal(body.status, 'completed');
      assert.equal(res.headers.get('openai-poll-after-ms'), null);
      break;
    }
    if (body.status === 'in_progress') sawInProgress = true;
    assert.match(res.headers.get('openai-poll-after-ms') ?? '', /^\d+$/, `status ${body.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(sawInProgress, 'polling saw the job in progress');

  // A failed video is terminal too; lists and deletes carry no poll hint.
  const bad = await t.client.videos.create({ prompt: 'a volcano [reelay:moderation]', seconds: '4' });
  assert.equal((await waitForVideo(t.client, bad.id)).status, 'failed');
  const failed = await call(`/v1/videos/${bad.id}`);
  assert.equal(failed.headers.get('openai-poll-after-ms'), null);
  const list = await call('/v1/videos');
  assert.equal(list.headers.get('openai-poll-after-ms'), null);
  const del = await call(`/v1/videos/${bad.id}`, { method: 'DELETE' });
  assert.equal(del.status, 200);
  assert.equal(del.headers.get('openai-poll-after-ms'), null);
  assertRequestId(del, 'delete');
});

test('content responses carry x-request-id (200, 206, 304)', async () => {
  const v = await t.client.videos.create({ prompt: 'a small boat on a calm lake', seconds: '4' });
  assert.equal((await waitForVideo(t.client, v.id)).status, 'completed');
  const ok = await call(`/v1/videos/${v.id}/content`);
  assertRequestId(ok, 'content 200');
  const etag = ok.headers.get('etag')!;
  await ok.arrayBuffer();
  const part = await call(`/v1/videos/${v.id}/content`, { headers: { range: 'bytes=0-0' } });
  assert.equal(part.status, 206);
  assertRequestId(part, 'content 206');
  await part.arrayBuffer();
  const same = await call(`/v1/videos/${v.id}/content`, { headers: { 'if-none-match': etag } });
  assert.equal(same.status, 304);
  assertRequestId(same, 'content 304');
});

test('a server fault is a 500 in the envelope with a request id, and leaks nothing', async () => {
  // A server of its own whose database goes away under it: a real fault, not a mock.
  const s = await startTestServer();
  try {
    await s.server.runner.stop(1000);
    await s.server.store.close();
    const res = await fetch(`${s.base}/videos`, { headers: s.auth() });
    assert.equal(res.status, 500);
    assertRequestId(res, '500');
    assertProcessingMs(res, '500');
    const text = await res.text();
    const body = JSON.parse(text) as { error: { type: string; code: null; param: null; message: string } };
    assert.equal(body.error.type, 'server_error');
    assert.equal(body.error.code, null);
    assert.equal(body.error.param, null);
    assert.doesNotMatch(text, /sqlite|database|stack|\.ts/i);

    const ready = await fetch(`${s.url}/readyz`);
    assert.equal(ready.status, 503);
    assert.ok(ready.headers.get('retry-after'));
    assertRequestId(ready, 'readyz 503');
  } finally {
    await s.server.app.close();
    await s.close().catch(() => {});
  }
});
