// Signing against the Standard Webhooks reference vector, the backoff schedule, and the webhooks setting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sign, signatureHeader, retryDelayMs, parseWebhooks } from '../../src/webhooks/index.js';
import { loadConfig } from '../../src/config/index.js';

test('signatures match the Standard Webhooks reference vector', () => {
  // From the standard-webhooks specification's test suite.
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  assert.equal(sign(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}'), 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
});

test('the old secret signs beside the new one only until its time', () => {
  const s = { secret: 'whsec_AAAA', oldSecret: 'whsec_BBBB', oldSecretUntil: 2_000 };
  assert.equal(signatureHeader(s, 'evt_1', 1, '{}', 1_000).split(' ').length, 2);
  assert.equal(signatureHeader(s, 'evt_1', 1, '{}', 3_000).split(' ').length, 1);
  assert.equal(signatureHeader(s, 'evt_1', 1, '{}', 3_000), sign('whsec_AAAA', 'evt_1', 1, '{}'));
});

test('backoff doubles from the base, with jitter, capped at an hour', () => {
  assert.equal(retryDelayMs(1, 5000, 0.5), 5000);
  assert.equal(retryDelayMs(2, 5000, 0.5), 10_000);
  assert.equal(retryDelayMs(5, 5000, 0.5), 80_000); // minutes by the fifth retry
  assert.equal(retryDelayMs(30, 5000, 0.5), 3600_000);
  assert.equal(retryDelayMs(1, 5000, 0), 2500);
  assert.ok(Math.abs(retryDelayMs(1, 5000, 0.999999) - 7500) < 0.01);
  // With the defaults, 72 h of retries is a few dozen attempts, not thousands.
  let t = 0;
  let n = 0;
  while (t < 72 * 3600_000) t += retryDelayMs(++n, 5000, 0.5);
  assert.ok(n > 70 && n < 90, `${n} attempts`);
});

test('the webhooks setting: REELAY_WEBHOOKS JSON, defaults, and clear errors', () => {
  const cfg = loadConfig({ env: { REELAY_WEBHOOKS: '[{"url":"https://example.com/h","secretEnv":"S"}]', REELAY_WEBHOOK_ALLOW_PRIVATE: 'true', REELAY_WEBHOOK_TIMEOUT_MS: '5000' } });
  assert.deepEqual(cfg.webhooks, [{ url: 'https://example.com/h', events: ['video.completed', 'video.failed'], project: 'default', secretEnv: 'S' }]);
  assert.equal(cfg.webhookAllowPrivate, true);
  assert.equal(cfg.webhookTimeoutMs, 5000);
  assert.equal(cfg.webhookMaxAgeHours, 72);
  assert.equal(cfg.webhookRetryBaseMs, 5000);
  assert.equal(loadConfig({ env: {} }).webhookTimeoutMs, 15_000);
  assert.deepEqual(parseWebhooks([{ url: 'https://x.test/', events: 'video.failed', project: 'p', secretEnv: 'S' }])[0].events, ['video.failed']);
  assert.throws(() => parseWebhooks('nope'), /JSON array/);
  assert.throws(() => parseWebhooks([{ url: 'https://x.test/' }]), /secretEnv is required/);
  assert.throws(() => parseWebhooks([{ url: 'https://x.test/', secretEnv: 'S', secret: 'whsec_x' }]), /unknown field 'secret'/);
  assert.throws(() => parseWebhooks([{ url: 'https://x.test/', secretEnv: 'S', events: ['video.created'] }]), /unknown event/);
});
