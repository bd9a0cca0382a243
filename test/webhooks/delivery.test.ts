// Webhook deliveries from a real server to local receivers, each verified with the official SDK's
// client.webhooks.unwrap(): the event format and headers, retries with one webhook-id, 410 Gone,
// redirects, a receiver that never answers, rotation, deleted videos, and the metrics.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, waitForVideo, type TestServer } from '../helpers/server.js';
import { createEndpoint, rotateSecret, sign, generateSecret } from '../../src/webhooks/index.js';
import { startReceiver, unwrap, newProject, until, type Receiver } from './helpers.js';

let t: TestServer;
const receivers: Receiver[] = [];
const receiver = async (...args: Parameters<typeof startReceiver>) => {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
};

before(async () => {
  // A short backoff base so retries take milliseconds; a long attempt timeout so the receiver
  // that never answers holds its slot for the whole test; one attempt in flight per endpoint.
  t = await startTestServer({ webhookAllowPrivate: true, webhookRetryBaseMs: 100, webhookTimeoutMs: 30_000, webhookMaxInFlight: 1 });
});
after(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await t.close();
});

const PROMPT = 'a red balloon over mountains at sunset';

async function render(client: import('openai').default, prompt = PROMPT) {
  const v = await client.videos.create({ prompt, seconds: '4', size: '720x1280' });
  return waitForVideo(client, v.id);
}

test('a completed video is delivered once, signed so the SDK verifies it; tampering and old timestamps fail', async () => {
  const p = await newProject(t.server, t.base);
  const rx = await receiver();
  const ep = await createEndpoint(t.server.store, { project: p.name, url: rx.url }, true);
  assert.match(ep.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  assert.equal(Buffer.from(ep.secret.slice(6), 'base64').length, 32);

  const video = await render(p.client);
  assert.equal(video.status, 'completed');
  const [r] = await rx.waitFor(1);
  const event = await unwrap(r, ep.secret);
  assert.match(event.id, /^evt_[0-9a-f]{32}$/);
  assert.deepEqual(JSON.parse(r.body), { id: event.id, object: 'event', created_at: video.completed_at, type: 'video.completed', data: { id: video.id } });
  assert.equal(r.headers['webhook-id'], event.id);
  assert.match(r.headers['webhook-timestamp'], /^\d+$/);
  assert.ok(Math.abs(Number(r.headers['webhook-timestamp']) - Date.now() / 1000) < 30);
  assert.match(r.headers['webhook-signature'], /^v1,[A-Za-z0-9+/]{43}=$/, 'one signature before any rotation');
  assert.equal(r.headers['content-type'], 'application/json');
  assert.match(r.headers['user-agent'], /reelay/);

  // Tampered body, another secret, a moved timestamp: each fails.
  await assert.rejects(unwrap(r, ep.secret, r.body.replace(video.id, 'video_0000')), /signature/);
  await assert.rejects(unwrap(r, generateSecret()), /signature/);
  await assert.rejects(unwrap(r, ep.secret, r.body, { ...r.headers, 'webhook-timestamp': String(Number(r.headers['webhook-timestamp']) + 1) }), /signature/);
  // Correctly signed but old: refused for its age alone (the same signing, now, passes).
  const old = Math.floor(Date.now() / 1000) - 600;
  const now = Math.floor(Date.now() / 1000);
  const resigned = (ts: number) => ({ ...r.headers, 'webhook-timestamp': String(ts), 'webhook-signature': sign(ep.secret, event.id, ts, r.body) });
  await assert.rejects(unwrap(r, ep.secret, r.body, resigned(old)), /too old/);
  assert.equal((await unwrap(r, ep.secret, r.body, resigned(now))).id, event.id);

  const [d] = await t.server.store.webhooks.listDeliveries({ endpointId: ep.id, limit: 10 });
  assert.equal(d.status, 'delivered');
  assert.equal(d.attempts, 1);
  assert.equal(d.lastStatusCode, 200);
  await new Promise((res) => setTimeout(res, 1200)); // a poll later: still exactly one request
  assert.equal(rx.received.length, 1);
});

test('a failed video gives video.failed, only to endpoints subscribed to it', async () => {
  const p = await newProject(t.server, t.base);
  const failedRx = await receiver();
  const completedRx = await receiver();
  const ep = await createEndpoint(t.server.store, { project: p.name, url: failedRx.url, events: 'video.failed' }, true);
  const control = await createEndpoint(t.server.store, { project: p.name, url: completedRx.url, events: ['video.completed'] }, true);
  const failed = await render(p.client, '[reelay:error] a fox in the snow');
  assert.equal(failed.status, 'failed');
  const [r] = await failedRx.waitFor(1);
  const event = await unwrap(r, ep.secret);
  assert.equal(event.type, 'video.failed');
  assert.equal(event.data.id, failed.id);
  assert.equal(event.created_at, failed.completed_at ?? event.created_at);
  // The completed-only endpoint hears of the next completed video, and never of the failed one.
  const ok = await render(p.client);
  const [c] = await completedRx.waitFor(1);
  assert.equal((await unwrap(c, control.secret)).data.id, ok.id);
  assert.equal(completedRx.received.length, 1);
  assert.equal(failedRx.received.length, 1);
});

test('500 three times then 200: four attempts, one webhook-id, each verifiable', async () => {
  const p = await newProject(t.server, t.base);
  const rx = await receiver((n) => (n < 3 ? 500 : 200));
  const ep = await createEndpoint(t.server.store, { project: p.name, url: rx.url }, true);
  const video = await render(p.client);
  const got = await rx.waitFor(4);
  const ids = new Set(got.map((r) => r.headers['webhook-id']));
  assert.equal(ids.size, 1, 'the same webhook-id on every retry');
  for (const r of got) assert.equal((await unwrap(r, ep.secret)).data.id, video.id);
  assert.ok(got.every((r) => r.body === got[0].body), 'the same body every time');
  const [d] = await until(async () => {
    const list = await t.server.store.webhooks.listDeliveries({ endpointId: ep.id, limit: 10 });
    return list[0]?.status === 'delivered' && list;
  }, 5000, 'delivered');
  assert.equal(d.attempts, 4);
  const attempts = await t.server.store.webhooks.listAttempts(d.seq);
  assert.deepEqual(attempts.map((a) => [a.statusCode, a.outcome]), [[500, 'retry'], [500, 'retry'], [500, 'retry'], [200, 'delivered']]);
  await new Promise((res) => setTimeout(res, 1200));
  assert.equal(rx.received.length, 4, 'nothing after the 2xx');
});

test('410 Gone disables the endpoint: no further deliveries to it', async () => {
  const p = await newProject(t.server, t.base);
  const gone = await receiver(() => 410);
  const control = await receiver();
  const ep = await createEndpoint(t.server.store, { project: p.name, url: gone.url }, true);
  await createEndpoint(t.server.store, { project: p.name, url: control.url }, true);
  await render(p.client);
  await gone.waitFor(1);
  const disabled = await until(async () => {
    const e = await t.server.store.webhooks.getEndpoint(ep.id);
    return e?.disabledAt ? e : null;
  }, 5000, 'endpoint disabled');
  assert.match(disabled.disabledReason ?? '', /410/);
  const [d] = await t.server.store.webhooks.listDeliveries({ endpointId: ep.id, limit: 10 });
  assert.equal(d.status, 'failed');
  assert.equal(d.attempts, 1, 'a 410 is not retried');
  // The next video reaches the other endpoint, and not the disabled one.
  await render(p.client);
  await control.waitFor(2);
  await new Promise((res) => setTimeout(res, 1200));
  assert.equal(gone.received.length, 1);
});

test('a redirect is not followed: a 3xx is a failed attempt, retried', async () => {
  const p = await newProject(t.server, t.base);
  const target = await receiver();
  const redirecting = await receiver(() => ({ status: 302, headers: { location: target.url } }));
  const ep = await createEndpoint(t.server.store, { project: p.name, url: redirecting.url }, true);
  await render(p.client);
  await redirecting.waitFor(2);
  assert.equal(target.received.length, 0, 'the redirect target was never called');
  const [d] = await t.server.store.webhooks.listDeliveries({ endpointId: ep.id, limit: 10 });
  assert.equal(d.status, 'pending');
  assert.equal(d.lastStatusCode, 302);
  assert.match(d.lastError ?? '', /redirect/);
  await t.server.store.webhooks.deleteEndpoint(ep.id);
  const [cancelled] = await t.server.store.webhooks.listDeliveries({ endpointId: ep.id, limit: 10 });
  assert.equal(cancelled.status, 'cancelled', 'deleting the endpoint cancels its pending delivery');
});

test('a receiver that never answers does not delay another endpoint, or the API', async () => {
  const p = await newProject(t.server, t.base);
  const slow = await receiver(() => 'hang');
  const fast = await receiver();
  await createEndpoint(t.server.store, { project: p.name, url: slow.url }, true);
  const fastEp = await createEndpoint(t.server.store, { project: p.name, url: fast.url }, true);
  const first = await render(p.client);
  await slow.waitFor(1); // its one slot is now held (the attempt timeout is 30 s)
  await fast.waitFor(1);
  const second = await render(p.client);
  const finished = Date.now();
  const got = await fast.waitFor(2, 10_000);
  const lag = got[1].at - finished;
  assert.ok(lag < 3000, `the fast endpoint got the second event ${lag} ms after the video finished`);
  assert.deepEqual(await Promise.all(got.map(async (r) => (await unwrap(r, fastEp.secret)).data.id)), [first.id, second.id]);
  assert.equal(slow.received.length, 1, 'the slow endpoint still holds its first attempt');
  const began = Date.now();
  await p.client.videos.retrieve(second.id);
  assert.ok(Date.now() - began < 2000, 'the API answers while a delivery hangs');
});

test('after rotate-secret deliveries carry both signatures, and each secret verifies', async () => {
  const p = await newProject(t.server, t.base);
  const rx = await receiver();
  const ep = await createEndpoint(t.server.store, { project: p.name, url: rx.url }, true);
  const rotated = await rotateSecret(t.server.store, ep.id);
  assert.ok(rotated && rotated.secret !== ep.secret && rotated.oldSecret === ep.secret);
  assert.ok(rotated.oldSecretUntil! - Date.now() > 23.9 * 3600_000);
  const video = await render(p.client);
  const [r] = await rx.waitFor(1);
  const sigs = r.headers['webhook-signature'].split(' ');
  assert.equal(sigs.length, 2);
  assert.ok(sigs.every((s) => /^v1,[A-Za-z0-9+/]{43}=$/.test(s)));
  assert.equal((await unwrap(r, rotated.secret)).data.id, video.id);
  assert.equal((await unwrap(r, ep.secret)).data.id, video.id);
  // Each signature is its own secret's: the new one alone verifies with the new secret only.
  const onlyNew = { ...r.headers, 'webhook-signature': sigs[0] };
  await unwrap(r, rotated.secret, r.body, onlyNew);
  await assert.rejects(unwrap(r, ep.secret, r.body, onlyNew), /signature/);
});

test('deleting a video does not cancel its already-written event', async () => {
  const p = await newProject(t.server, t.base);
  const rx = await receiver((n) => (n < 2 ? 503 : 200));
  const ep = await createEndpoint(t.server.store, { project: p.name, url: rx.url }, true);
  const video = await render(p.client);
  await p.client.videos.delete(video.id);
  const got = await rx.waitFor(3);
  assert.equal((await unwrap(got[2], ep.secret)).data.id, video.id);
});

test('/metrics counts deliveries by outcome and shows the backlog', async () => {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
  assert.ok(value(/^reelay_webhook_deliveries_total\{outcome="delivered"\} (\d+)/m) >= 8, text.match(/reelay_webhook.*/g)?.join('\n'));
  assert.ok(value(/^reelay_webhook_deliveries_total\{outcome="failed"\} (\d+)/m) >= 6);
  assert.equal(value(/^reelay_webhook_deliveries_total\{outcome="disabled"\} (\d+)/m), 1);
  // The hanging delivery and the slow endpoint's second one are still pending.
  assert.ok(value(/^reelay_webhook_backlog (\d+)/m) >= 2);
});
