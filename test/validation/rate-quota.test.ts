// The contract's two 429 rows: per-project request rate limits (type `requests`, code
// `rate_limit_exceeded`, Retry-After and x-ratelimit-* headers) and per-project quotas of video
// seconds (type and code `insufficient_quota`, nothing stored).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import OpenAI from 'openai';
import { startTestServer, waitForVideo, type TestServer } from '../helpers/server.js';
import { RateLimiter, formatDuration } from '../../src/http/rate-limit.js';
import { SLOW, assertError, assertVideo, call, form, postForm, postJson } from './helpers.js';

describe('rate limit', () => {
  let t: TestServer;
  before(async () => {
    // 2 per minute: a token comes back every 30 s, far longer than this test takes.
    t = await startTestServer({ rateLimitRpm: 2 });
  });
  after(() => t.close());

  test('the third request in a minute answers 429 rate_limit_exceeded with Retry-After', async () => {
    const first = await call(t, 'GET', '/v1/models');
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('x-ratelimit-limit-requests'), '2');
    assert.equal(first.headers.get('x-ratelimit-remaining-requests'), '1');
    assert.match(first.headers.get('x-ratelimit-reset-requests') ?? '', /^\d+(\.\d+)?s$/);
    const second = await call(t, 'GET', '/v1/videos');
    assert.equal(second.status, 200);
    assert.equal(second.headers.get('x-ratelimit-remaining-requests'), '0');

    const third = await postJson(t, '/v1/videos', { prompt: 'a kite over a meadow' });
    const e = assertError(third, 429, { type: 'requests', param: null, code: 'rate_limit_exceeded', message: /Rate limit reached .* limit 2 per minute/ });
    assert.match(e.message, /try again in \d+(\.\d+)?s/);
    const retryAfter = Number(third.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 30, `retry-after ${retryAfter}`);
    const retryAfterMs = Number(third.headers.get('retry-after-ms'));
    assert.ok(retryAfterMs > 0 && retryAfterMs <= 30_000, `retry-after-ms ${retryAfterMs}`);
    assert.equal(third.headers.get('x-ratelimit-remaining-requests'), '0');
    // Refused before it ran: nothing was queued.
    const list = await t.server.store.listVideos({ projectId: (await t.server.store.ensureProject('default')), afterId: null, limit: 100, order: 'desc' });
    assert.equal(list?.data.length, 0);
  });

  test('the official SDK sees a RateLimitError; other projects and health checks are not limited', async () => {
    const err = await t.client.models.list().then(() => null, (e: unknown) => e);
    assert.ok(err instanceof OpenAI.RateLimitError, `got ${String(err)}`);
    assert.equal(err.code, 'rate_limit_exceeded');

    const other = await t.otherKey();
    const a = await call(t, 'GET', '/v1/models', { key: other });
    assert.equal(a.status, 200);
    assert.equal(a.headers.get('x-ratelimit-remaining-requests'), '1');

    const health = await fetch(`${t.url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(health.headers.get('x-ratelimit-limit-requests'), null);
  });
});

test('rate limiter: a bucket refills over time and projects are separate', () => {
  const rl = new RateLimiter(); // 60 a minute: one token a second
  const t0 = 1_000_000;
  for (let i = 0; i < 60; i++) assert.equal(rl.take('p', 60, t0).error, null, `request ${i}`);
  const refused = rl.take('p', 60, t0);
  assert.equal(refused.error?.status, 429);
  assert.equal(refused.error?.headers['retry-after'], '1');
  assert.equal(refused.error?.headers['retry-after-ms'], '1000');
  assert.equal(rl.take('q', 60, t0).error, null, 'another project has its own bucket');
  assert.notEqual(rl.take('p', 60, t0 + 500).error, null, 'half a token is not enough');
  const later = rl.take('p', 60, t0 + 1000);
  assert.equal(later.error, null, 'a second later one request fits');
  assert.equal(later.headers['x-ratelimit-remaining-requests'], '0');
  // Full again a minute later; the bucket never holds more than the limit.
  const full = rl.take('p', 60, t0 + 10 * 60_000);
  assert.equal(full.headers['x-ratelimit-remaining-requests'], '59');
  assert.equal(full.headers['x-ratelimit-reset-requests'], '1s');
});

test('reset durations are written the way OpenAI writes them', () => {
  assert.equal(formatDuration(20), '20ms');
  assert.equal(formatDuration(1500), '1.5s');
  assert.equal(formatDuration(360_000), '6m0s');
  assert.equal(formatDuration(90_250), '1m30.25s');
});

describe('quota', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ quotaSecondsPerDay: 12, concurrency: 1 });
  });
  after(() => t.close());

  const png = () => sharp({ create: { width: 64, height: 64, channels: 3, background: '#36c' } }).png().toBuffer();
  const inputsDir = () => join(t.cfg.dataDir, 'blobs', 'inputs');
  const storedInputs = () => (existsSync(inputsDir()) ? readdirSync(inputsDir()).length : 0);

  test('a create past the quota answers 429 insufficient_quota and stores nothing', async () => {
    assertVideo(await postJson(t, '/v1/videos', { prompt: `a lighthouse ${SLOW}`, seconds: '8' }));
    assertVideo(await postJson(t, '/v1/videos', { prompt: `a harbour ${SLOW}`, seconds: '4' }));
    const inputsBefore = storedInputs();
    const over = await postForm(t, '/v1/videos', form({ prompt: `a boat ${SLOW}`, seconds: '4' }, [{ field: 'input_reference', data: await png(), name: 'ref.png', type: 'image/png' }]));
    assertError(over, 429, { type: 'insufficient_quota', param: null, code: 'insufficient_quota', message: /quota: this project may queue 12 seconds of video per 24 hours, has used 12 and this request needs 4/ });
    assert.equal(over.headers.get('x-should-retry'), 'false', 'retrying at once cannot help');
    assert.equal(storedInputs(), inputsBefore, 'the uploaded reference was not kept');
    const list = await call(t, 'GET', '/v1/videos');
    assert.equal(list.body.data.length, 2);

    // Deleting a video does not give its seconds back.
    assert.equal((await call(t, 'DELETE', `/v1/videos/${list.body.data[0].id}`)).status, 200);
    assertError(await postJson(t, '/v1/videos', { prompt: 'a gull', seconds: '4' }), 429, { type: 'insufficient_quota', code: 'insufficient_quota' });
    // The SDK surfaces it as a RateLimitError carrying the code.
    const err = await t.client.videos.create({ prompt: 'a gull' }).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof OpenAI.RateLimitError, `got ${String(err)}`);
    assert.equal(err.code, 'insufficient_quota');
    // Free the runner (its one slot holds a slow job) for the next test.
    assert.equal((await call(t, 'DELETE', `/v1/videos/${list.body.data[1].id}`)).status, 200);
  });

  test('quotas are per project; failed jobs do not count; an extension counts only its added seconds', async () => {
    const key = await t.otherKey();
    const failed = assertVideo(await postJson(t, '/v1/videos', { prompt: '[reelay:error] a storm', seconds: '12' }, key));
    const client = new OpenAI({ apiKey: key, baseURL: t.base, maxRetries: 0 });
    assert.equal((await waitForVideo(client, failed.id)).status, 'failed');

    const source = assertVideo(await postForm(t, '/v1/videos', form({ prompt: 'a paper airplane over a meadow', seconds: '4', size: '720x1280' }), key));
    assert.equal((await waitForVideo(client, source.id)).status, 'completed');
    const extended = assertVideo(await postJson(t, '/v1/videos/extensions', { video: { id: source.id }, prompt: `it flies on ${SLOW}`, seconds: '4' }, key));
    assert.equal(extended.seconds, '8', 'the extension row holds the stitched total');
    // Billed so far: 4 + 4 = 8 (not 4 + 8); 4 more fit, then the quota is spent.
    assertVideo(await postJson(t, '/v1/videos', { prompt: `a kite ${SLOW}`, seconds: '4' }, key));
    assertError(await postJson(t, '/v1/videos', { prompt: `a kite ${SLOW}`, seconds: '4' }, key), 429, { type: 'insufficient_quota', code: 'insufficient_quota', message: /has used 12/ });
  });
});
