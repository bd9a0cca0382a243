// The poll lane answers finished-video polls before fastify: it must take exactly those, and its
// answers must be the route's answers (status, headers, body, counts and limits).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pollLane, type PollLaneDeps } from '../../src/http/poll-lane.js';
import type { VideoRecord } from '../../src/store/index.js';
import { createKey } from '../../src/http/index.js';
import { startTestServer, waitForVideo } from '../helpers/server.js';
import { call } from '../validation/helpers.js';

function send(port: number, method: string, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the lane takes only a known key polling a finished video in memory; everything else falls through', async () => {
  const video = { id: 'video_abc', projectId: 'p1' } as VideoRecord;
  const recorded: unknown[][] = [];
  let closing = false;
  let refuse = false;
  const deps: PollLaneDeps = {
    principal: (h) => (h === 'Bearer good' ? { projectId: 'p1', rateLimitRpm: null } : h === 'Bearer limited' ? { projectId: 'p1', rateLimitRpm: 5 } : undefined),
    finished: (projectId, id) => (projectId === video.projectId && id === video.id ? video : undefined),
    body: (v) => JSON.stringify({ id: v.id }),
    rate: (p) => (p.rateLimitRpm ? { headers: { 'x-ratelimit-limit-requests': '5' }, error: refuse ? new Error('refused') as never : null } : null),
    nextRequestId: () => 'req_1',
    record: (...args) => recorded.push(args),
    closing: () => closing,
  };
  const lane = pollLane(deps);
  const server = createServer((req, res) => {
    if (!lane(req, res)) res.writeHead(299).end('fallback');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    const hit = await send(port, 'GET', '/v1/videos/video_abc', { authorization: 'Bearer good' });
    assert.equal(hit.status, 200);
    assert.equal(hit.body, '{"id":"video_abc"}');
    assert.equal(hit.headers['x-request-id'], 'req_1');
    assert.equal(hit.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(hit.headers['content-length'], String(hit.body.length));
    assert.match(String(hit.headers['openai-processing-ms']), /^\d+$/);
    assert.deepEqual(recorded.map((r) => r.slice(0, 4)), [['req_1', 'GET', '/v1/videos/:id', 200]]);

    const limited = await send(port, 'GET', '/v1/videos/video_abc', { authorization: 'Bearer limited' });
    assert.equal(limited.status, 200);
    assert.equal(limited.headers['x-ratelimit-limit-requests'], '5', "a project's limit headers come with the lane's answer");

    const misses: [string, string, Record<string, string>][] = [
      ['GET', '/v1/videos/video_abc', {}], // no key
      ['GET', '/v1/videos/video_abc', { authorization: 'Bearer unknown' }], // a key not in memory
      ['GET', '/v1/videos/video_other', { authorization: 'Bearer good' }], // not finished or not cached
      ['GET', '/v1/videos/video_abc?x=1', { authorization: 'Bearer good' }], // a query string
      ['GET', '/v1/videos/video_abc/', { authorization: 'Bearer good' }], // a trailing slash
      ['GET', '/v1/videos/video_abc/content', { authorization: 'Bearer good' }],
      ['GET', '/v1/videos/video%5Fabc', { authorization: 'Bearer good' }], // escapes
      ['GET', '/v1/videos/', { authorization: 'Bearer good' }],
      ['HEAD', '/v1/videos/video_abc', { authorization: 'Bearer good' }],
      ['DELETE', '/v1/videos/video_abc', { authorization: 'Bearer good' }],
    ];
    for (const [method, path, headers] of misses) {
      assert.equal((await send(port, method, path, headers)).status, 299, `${method} ${path} ${JSON.stringify(headers)}`);
    }
    refuse = true;
    assert.equal((await send(port, 'GET', '/v1/videos/video_abc', { authorization: 'Bearer limited' })).status, 299, 'a refusal is left to the route');
    closing = true;
    assert.equal((await send(port, 'GET', '/v1/videos/video_abc', { authorization: 'Bearer good' })).status, 299, 'closing: fastify answers');
    assert.equal(recorded.length, 2, 'only the two answers the lane gave were recorded');
  } finally {
    server.close();
  }
});

test("on the real server the lane's answer is the route's answer, counted and rate-limited alike", async () => {
  const t = await startTestServer({ concurrency: 1 });
  try {
    const v = await t.client.videos.create({ prompt: 'a red kite over a meadow', seconds: '4', size: '720x1280' });
    assert.equal((await waitForVideo(t.client, v.id)).status, 'completed');
    await call(t, 'GET', `/v1/videos/${v.id}`); // the key and the video are now in memory
    // A query string sends the same poll through fastify's route.
    const viaLane = await call(t, 'GET', `/v1/videos/${v.id}`);
    const viaRoute = await call(t, 'GET', `/v1/videos/${v.id}?via=route`);
    assert.equal(viaLane.status, 200);
    assert.equal(viaLane.text, viaRoute.text);
    const names = (a: typeof viaLane) => [...a.headers.keys()].sort();
    assert.deepEqual(names(viaLane), names(viaRoute));
    for (const h of ['content-type', 'content-length', 'connection', 'keep-alive']) assert.equal(viaLane.headers.get(h), viaRoute.headers.get(h), h);
    assert.notEqual(viaLane.headers.get('x-request-id'), viaRoute.headers.get('x-request-id'), 'each answer has its own request id');

    const count = async () => {
      const text = (await call(t, 'GET', '/metrics')).text;
      const line = text.split('\n').find((l) => l.startsWith('reelay_http_requests_total{') && l.includes('route="/v1/videos/:id"') && l.includes('status="200"'));
      return Number(line?.split(' ').pop() ?? 0);
    };
    const before = await count();
    await call(t, 'GET', `/v1/videos/${v.id}`);
    await call(t, 'GET', `/v1/videos/${v.id}?via=route`);
    assert.equal((await count()) - before, 2, 'both paths are counted under the same route');

    // A project whose limit is set to 3 a minute while it polls a finished video: the answers
    // carry the limit headers and the fourth poll in the minute is refused.
    const limitedKey = (await createKey(t.server.store, 'limited', 'test')).secret;
    const mine = await call(t, 'POST', '/v1/videos', { key: limitedKey, json: { prompt: 'a boat [reelay:moderation]' } });
    assert.equal(mine.status, 200);
    for (let i = 0; i < 200 && (await call(t, 'GET', `/v1/videos/${mine.body.id}`, { key: limitedKey })).body.status !== 'failed'; i++) await new Promise((r) => setTimeout(r, 50));
    await t.server.store.setProjectLimits('limited', { rateLimitRpm: 3 });
    const remaining: (string | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const ok = await call(t, 'GET', `/v1/videos/${mine.body.id}`, { key: limitedKey });
      assert.equal(ok.status, 200);
      assert.equal(ok.headers.get('x-ratelimit-limit-requests'), '3');
      remaining.push(ok.headers.get('x-ratelimit-remaining-requests'));
    }
    assert.deepEqual(remaining, ['2', '1', '0']);
    const refused = await call(t, 'GET', `/v1/videos/${mine.body.id}`, { key: limitedKey });
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error.code, 'rate_limit_exceeded');
  } finally {
    await t.close();
  }
});
