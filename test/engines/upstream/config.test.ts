// The upstreams setting and the status table: pure checks, no servers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/config/index.js';
import { parseUpstreams, normaliseStatus } from '../../../src/engines/upstream/index.js';
import { errorMessage, parseProgress, waitHint } from '../../../src/engines/upstream/normalise.js';

test('REELAY_UPSTREAMS is read as JSON and filled with defaults', () => {
  const cfg = loadConfig({
    env: { REELAY_UPSTREAMS: JSON.stringify([{ id: 'gpu', baseUrl: 'http://gpu:8091/v1/', apiKeyEnv: 'GPU_KEY', models: { wan: { upstreamModel: 'Wan-AI/Wan2.2', seconds: ['8', '4'] } } }]) },
  });
  assert.equal(cfg.upstreams.length, 1);
  const u = cfg.upstreams[0];
  assert.equal(u.baseUrl, 'http://gpu:8091/v1');
  assert.equal(u.apiKeyEnv, 'GPU_KEY');
  assert.equal(u.maxInFlight, 16);
  assert.deepEqual(u.models.wan, { upstreamModel: 'Wan-AI/Wan2.2', sizes: ['1280x720', '720x1280'], seconds: ['4', '8'], inputReference: false, remix: false, edit: false, extend: false, characters: false });
});

test('bad upstream settings are refused with a message naming the place', () => {
  const bad: [unknown, RegExp][] = [
    ['not json', /JSON array/],
    [[{ id: 'a', baseUrl: 'ftp://x', models: { m: {} } }], /upstreams\[0\]\.baseUrl/],
    [[{ id: 'a', baseUrl: 'http://x', models: {} }], /upstreams\[0\]\.models/],
    [[{ id: 'a', baseUrl: 'http://x', models: { m: { seconds: ['5'] } } }], /models\.m\.seconds/],
    [[{ id: 'a', baseUrl: 'http://x', apiKey: 'sk-oops', models: { m: {} } }], /unknown key apiKey/],
    [[{ id: 'a', baseUrl: 'http://x', models: { m: {} } }, { id: 'a', baseUrl: 'http://y', models: { m: {} } }], /used twice/],
    [[{ id: 'a', baseUrl: 'http://x', maxInFlight: -1, models: { m: {} } }], /maxInFlight/],
  ];
  for (const [raw, msg] of bad) assert.throws(() => parseUpstreams(raw), msg);
});

test('statuses map onto the contract; unknown ones count as running', () => {
  const table: Record<string, string> = {
    queued: 'queued', pending: 'queued', submitted: 'queued',
    in_progress: 'in_progress', processing: 'in_progress', running: 'in_progress', NOT_START: 'in_progress',
    completed: 'completed', succeeded: 'completed', success: 'completed', done: 'completed', SUCCESS: 'completed',
    failed: 'failed', error: 'failed', cancelled: 'failed', expired: 'failed',
    warming_up: 'unknown', '': 'unknown',
  };
  for (const [raw, want] of Object.entries(table)) assert.equal(normaliseStatus(raw), want, raw);
  assert.equal(normaliseStatus(42), 'unknown');
});

test('progress, error shapes and wait hints', () => {
  assert.equal(parseProgress(250), 100);
  assert.equal(parseProgress(-3), 0);
  assert.equal(parseProgress('45%'), 45);
  assert.equal(parseProgress('soon'), null);
  assert.equal(errorMessage({ error: { message: 'a' } }), 'a');
  assert.equal(errorMessage({ detail: 'b' }), 'b');
  assert.equal(errorMessage({ detail: [{ msg: 'c' }, { msg: 'd' }] }), 'c; d');
  assert.equal(errorMessage({ object: 'error', message: 'e' }), 'e');
  assert.equal(errorMessage(undefined, 'plain text'), 'plain text');
  assert.equal(errorMessage(undefined, '<html>'), null);
  assert.equal(waitHint({ 'openai-poll-after-ms': '1500' }), 1500);
  assert.equal(waitHint({ 'retry-after': '3' }), 3000);
  assert.equal(waitHint({}), null);
});
