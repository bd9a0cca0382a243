// At least once across a crash: the event is written with the video's final state, so a server
// SIGKILLed while the receiver is down delivers it after the restart: the one event id, never zero.
// The endpoint comes from the webhooks setting (REELAY_WEBHOOKS), its secret from the env var it names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { startChildServer, tempDir, rmrf, waitForVideo, TEST_KEY } from '../helpers/server.js';
import { generateSecret } from '../../src/webhooks/index.js';
import { openStore } from '../../src/store/index.js';
import { startReceiver, unwrap, until } from './helpers.js';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

test('SIGKILL after completion with the receiver down: the restarted server delivers the event', async () => {
  const dataDir = tempDir();
  const port = await freePort();
  const secret = generateSecret();
  const env = {
    REELAY_DATA_DIR: dataDir,
    REELAY_API_KEY: TEST_KEY,
    REELAY_CONCURRENCY: '1',
    REELAY_WEBHOOK_ALLOW_PRIVATE: '1',
    REELAY_WEBHOOK_RETRY_BASE_MS: '200',
    REELAY_WEBHOOK_TIMEOUT_MS: '2000',
    REELAY_WEBHOOKS: JSON.stringify([{ url: `http://127.0.0.1:${port}/hook`, events: ['video.completed'], secretEnv: 'CRASH_TEST_HOOK_SECRET' }]),
    CRASH_TEST_HOOK_SECRET: secret,
  };
  let child = await startChildServer(env);
  try {
    const client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${child.url}/v1`, maxRetries: 0 });
    const v = await client.videos.create({ prompt: 'a sailboat and a lighthouse on the sea at sunset', seconds: '4', size: '720x1280' });
    const done = await waitForVideo(client, v.id);
    assert.equal(done.status, 'completed');
    // Nobody listens on the port: every attempt so far was refused. Kill with no chance to clean up.
    await child.kill('SIGKILL');

    const rx = await startReceiver(() => 200, port);
    try {
      child = await startChildServer(env);
      const [first] = await rx.waitFor(1, 20_000);
      const event = await unwrap(first, secret);
      assert.equal(event.type, 'video.completed');
      assert.equal(event.data.id, v.id);
      await new Promise((r) => setTimeout(r, 1500));
      const ids = new Set(await Promise.all(rx.received.map(async (r) => (await unwrap(r, secret)).id)));
      assert.deepEqual([...ids], [event.id], 'exactly the one event id (possibly more than once)');
      await child.kill('SIGTERM');
      // The restart synced the same endpoint (not a second one), and the delivery is done.
      const store = openStore(dataDir);
      try {
        const endpoints = await store.webhooks.listEndpoints();
        assert.equal(endpoints.length, 1);
        assert.equal(endpoints[0].source, 'config');
        const [d] = await until(() => store.webhooks.listDeliveries({ limit: 10 }), 1000, 'deliveries');
        assert.equal(d.eventId, event.id);
        assert.equal(d.status, 'delivered');
        assert.ok(d.attempts >= 2, `refused attempts before the crash were recorded (${d.attempts})`);
      } finally {
        await store.close();
      }
    } finally {
      await rx.close();
    }
  } finally {
    await child.kill('SIGKILL');
    rmrf(dataDir);
  }
});
