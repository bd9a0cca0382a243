// Safe destinations: https only, no loopback/private/link-local addresses (literal or resolved)
// unless webhookAllowPrivate is set; refused when an endpoint is made, at start for the webhooks
// setting, and again on every attempt (before any connection is made).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, waitForVideo, tempDir, rmrf } from '../helpers/server.js';
import { checkDestination, checkUrl, createEndpoint, DestinationError, generateSecret } from '../../src/webhooks/index.js';
import { openStore } from '../../src/store/index.js';
import { startReceiver, newProject, until } from './helpers.js';

test('checkDestination refuses http, literal private addresses and names that resolve to them', async () => {
  const refused: [string, RegExp][] = [
    ['http://example.com/hook', /must be https/],
    ['ftp://example.com/hook', /must be https/],
    ['not a url', /not a URL/],
    ['https://127.0.0.1/hook', /loopback, private or link-local/],
    ['https://[::1]/hook', /loopback, private or link-local/],
    ['https://[::ffff:7f00:1]/hook', /loopback, private or link-local/],
    ['https://10.1.2.3/hook', /loopback, private or link-local/],
    ['https://169.254.169.254/latest/meta-data', /loopback, private or link-local/],
    ['https://192.168.1.10/hook', /loopback, private or link-local/],
    ['https://localhost:8443/hook', /localhost resolves to (127\.0\.0\.1|::1), which is a loopback/],
    ['https://user:pw@example.com/hook', /user name or password/],
  ];
  for (const [url, message] of refused) {
    await assert.rejects(checkDestination(url, false), (err: Error) => err instanceof DestinationError && message.test(err.message), url);
  }
  // A public literal address passes without DNS; with the setting, local ones and plain http pass.
  assert.equal((await checkDestination('https://93.184.215.14/hook', false)).hostname, '93.184.215.14');
  for (const url of ['http://127.0.0.1:9/hook', 'https://localhost/hook', 'http://10.0.0.1/']) assert.ok(await checkDestination(url, true));
  assert.throws(() => checkUrl('http://127.0.0.1/', false), /https/);
});

test('createEndpoint refuses a bad URL and stores nothing', async () => {
  const dir = tempDir();
  const store = openStore(dir);
  try {
    await assert.rejects(createEndpoint(store, { project: 'p', url: 'http://127.0.0.1:1/hook' }, false), DestinationError);
    await assert.rejects(createEndpoint(store, { project: 'p', url: 'https://localhost:1/hook' }, false), /resolves to/);
    await assert.rejects(createEndpoint(store, { project: 'p', url: 'https://example.com/', events: 'video.created' }, false), /unknown event/);
    assert.deepEqual(await store.webhooks.listEndpoints(), []);
  } finally {
    await store.close();
    rmrf(dir);
  }
});

test('the webhooks setting with a refused URL or a missing secret stops the start with the reason', async () => {
  process.env.REELAY_TEST_HOOK_SECRET = generateSecret();
  const dataDir = tempDir();
  after(() => rmrf(dataDir));
  await assert.rejects(
    startTestServer({ dataDir, webhooks: [{ url: 'http://127.0.0.1:9/hook', events: ['video.completed'], project: 'default', secretEnv: 'REELAY_TEST_HOOK_SECRET' }] }),
    /webhooks\[0\]: webhook URLs must be https/,
  );
  await assert.rejects(
    startTestServer({ dataDir, webhooks: [{ url: 'https://localhost:9/hook', events: ['video.completed'], project: 'default', secretEnv: 'REELAY_TEST_HOOK_SECRET' }] }),
    /webhooks\[0\]: localhost resolves to/,
  );
  await assert.rejects(
    startTestServer({ dataDir, webhookAllowPrivate: true, webhooks: [{ url: 'http://127.0.0.1:9/hook', events: ['video.completed'], project: 'default', secretEnv: 'REELAY_NO_SUCH_SECRET' }] }),
    /REELAY_NO_SUCH_SECRET .*is not set/,
  );
});

test('at delivery time an endpoint that is not allowed (stored before, or by another route) is refused before connecting', async () => {
  const t = await startTestServer({ webhookRetryBaseMs: 100 });
  const rx = await startReceiver();
  try {
    const p = await newProject(t.server, t.base);
    const projectId = await t.server.store.ensureProject(p.name);
    // Straight into the store, past createEndpoint's check: as if the setting had been on then.
    const plain = await t.server.store.webhooks.createEndpoint({ projectId, url: rx.url, events: ['video.completed'], secret: generateSecret() });
    const named = await t.server.store.webhooks.createEndpoint({ projectId, url: `https://localhost:${rx.port}/hook`, events: ['video.completed'], secret: generateSecret() });
    const v = await p.client.videos.create({ prompt: 'a kite over a meadow', seconds: '4', size: '720x1280' });
    await waitForVideo(p.client, v.id);
    const deliveries = await until(async () => {
      const list = await t.server.store.webhooks.listDeliveries({ limit: 10 });
      const mine = list.filter((d) => d.endpointId === plain.id || d.endpointId === named.id);
      return mine.length === 2 && mine.every((d) => d.attempts >= 2) && mine;
    }, 10_000, 'two attempts each');
    const byEndpoint = new Map(deliveries.map((d) => [d.endpointId, d]));
    assert.match(byEndpoint.get(plain.id)!.lastError ?? '', /^refused: webhook URLs must be https/);
    assert.match(byEndpoint.get(named.id)!.lastError ?? '', /^refused: localhost resolves to (127\.0\.0\.1|::1)/);
    assert.ok(deliveries.every((d) => d.status === 'pending' && d.lastStatusCode === null), 'refusals are retried like any failed attempt');
    assert.equal(rx.connections(), 0, 'no connection ever reached the receiver');
    assert.equal(rx.received.length, 0);
  } finally {
    await rx.close();
    await t.close();
  }
});
