// Each project can have its own rate limit and quota (`reelay projects limits`), set from another
// process while the server runs; projects without their own use the server's settings.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createKey } from '../../src/http/index.js';
import { SLOW, assertError, assertVideo, call, postJson } from './helpers.js';

const BIN = resolve(import.meta.dirname, '../../bin/reelay.js');
let t: TestServer;
const cli = (...args: string[]) => execFileSync(process.execPath, [BIN, 'projects', ...args], { env: { ...process.env, REELAY_DATA_DIR: t.cfg.dataDir } }).toString();

before(async () => {
  // The server's own setting: one request a minute per project.
  t = await startTestServer({ rateLimitRpm: 1 });
});
after(() => t.close());

test('a project limit set by the CLI applies on the next request; 0 lifts it; others keep the server setting', async () => {
  const tenant = (await createKey(t.server.store, 'tenant', 'test')).secret;
  const plain = (await createKey(t.server.store, 'plain', 'test')).secret;
  assert.match(cli('limits', 'tenant', '--rate-limit-rpm', '3'), /tenant: rate limit: 3\/min, quota: server's setting/);
  assert.match(cli('limits', 'default', '--rate-limit-rpm', '0'), /default: rate limit: none/);

  for (let i = 0; i < 3; i++) {
    const ok = await call(t, 'GET', '/v1/models', { key: tenant });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('x-ratelimit-limit-requests'), '3');
  }
  assertError(await call(t, 'GET', '/v1/models', { key: tenant }), 429, { type: 'requests', code: 'rate_limit_exceeded', message: /limit 3 per minute/ });

  assert.equal((await call(t, 'GET', '/v1/models', { key: plain })).status, 200);
  assertError(await call(t, 'GET', '/v1/models', { key: plain }), 429, { type: 'requests', code: 'rate_limit_exceeded', message: /limit 1 per minute/ });

  for (let i = 0; i < 5; i++) {
    const free = await call(t, 'GET', '/v1/models');
    assert.equal(free.status, 200, 'the default project has its limit turned off');
    assert.equal(free.headers.get('x-ratelimit-limit-requests'), null);
  }

  // Back to the server's setting: a fresh bucket of 1.
  cli('limits', 'tenant', '--rate-limit-rpm', 'default');
  const back = await call(t, 'GET', '/v1/models', { key: tenant });
  assert.equal(back.headers.get('x-ratelimit-limit-requests'), '1', `${back.status} ${back.text}`);
});

test("a project's own quota; the list shows every project's limits; bad values are refused", async () => {
  const key = (await createKey(t.server.store, 'studio', 'test')).secret;
  cli('limits', 'studio', '--rate-limit-rpm', '0', '--quota-seconds-per-day', '8');
  assertVideo(await postJson(t, '/v1/videos', { prompt: `a kite ${SLOW}`, seconds: '8' }, key));
  assertError(await postJson(t, '/v1/videos', { prompt: `a kite ${SLOW}`, seconds: '4' }, key), 429, {
    type: 'insufficient_quota', code: 'insufficient_quota', message: /may queue 8 seconds of video per 24 hours, has used 8/,
  });
  // The default project has no quota of its own and the server has none.
  assertVideo(await postJson(t, '/v1/videos', { prompt: `a kite ${SLOW}`, seconds: '12' }));

  const list = JSON.parse(cli('list', '--json')) as { name: string; limits: { rateLimitRpm: number | null; quotaSecondsPerDay: number | null } }[];
  assert.deepEqual(list.find((p) => p.name === 'studio')?.limits, { rateLimitRpm: 0, quotaSecondsPerDay: 8 });
  assert.deepEqual(list.find((p) => p.name === 'plain')?.limits, { rateLimitRpm: null, quotaSecondsPerDay: null });
  assert.throws(() => execFileSync(process.execPath, [BIN, 'projects', 'limits', 'studio', '--rate-limit-rpm', '-5'], { env: { ...process.env, REELAY_DATA_DIR: t.cfg.dataDir }, stdio: 'pipe' }), /expected a whole number/);
});
