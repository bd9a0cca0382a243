// A job that crashes on every attempt ends `failed` with internal_error, never stuck, and the
// queue keeps moving. The crash is real: the job's reference image vanishes from disk.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { toFile } from 'openai';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { api, pollUntil, pollUntilTerminal, ProgressLog } from './helpers.js';

let t: TestServer;
before(async () => {
  t = await startTestServer({ concurrency: 1, jobMaxAttempts: 2 });
});
after(async () => {
  await t.close();
});

test('a job whose input disappears is retried, then fails with internal_error without leaking internals', async () => {
  const a = api(t.url, t.key);
  const log = new ProgressLog();
  const png = await sharp({ create: { width: 320, height: 180, channels: 3, background: '#aa3322' } }).png().toBuffer();
  // The slow directive holds the first attempt in progress while the input is removed.
  const v = await t.client.videos.create({
    prompt: 'a red barn in a wheat field [reelay:slow=3]',
    seconds: '4',
    input_reference: await toFile(png, 'ref.png', { type: 'image/png' }),
  });
  const behind = await a.create({ prompt: 'a blue door on a white wall', seconds: '4' });
  const ref = join(t.cfg.dataDir, 'blobs', 'inputs', v.id, 'reference.png');
  assert.ok(existsSync(ref), 'the fitted reference is stored as the job input');

  await pollUntil(a, v.id, log, (x) => x.status === 'in_progress');
  rmSync(ref);

  const done = await pollUntilTerminal(a, [v.id, behind.id], log, 60_000);
  const failed = done.get(v.id)!;
  assert.equal(failed.status, 'failed');
  assert.equal(failed.error?.code, 'internal_error');
  assert.doesNotMatch(failed.error?.message ?? '', /ENOENT|\/|\\|reference\.png|stack/i);
  assert.ok(failed.completed_at);
  assert.equal(failed.expires_at, null);
  assert.equal(done.get(behind.id)!.status, 'completed');
  log.assertMonotonic();

  // Retried exactly up to the limit: two attempts recorded in the job row.
  const row = await t.server.store.getVideoById(v.id);
  assert.equal(row!.attempts, 2);
  // A failed job keeps no assets.
  assert.equal(existsSync(join(t.cfg.dataDir, 'blobs', 'videos', v.id)), false);
  assert.deepEqual(await t.server.store.listAssets(v.id), []);
});

test('once started, a retried job never shows queued again', async () => {
  const a = api(t.url, t.key);
  const log = new ProgressLog();
  const png = await sharp({ create: { width: 320, height: 180, channels: 3, background: '#2233aa' } }).png().toBuffer();
  const v = await t.client.videos.create({
    prompt: 'a quiet harbour [reelay:slow=3]',
    seconds: '4',
    input_reference: await toFile(png, 'ref.png', { type: 'image/png' }),
  });
  await pollUntil(a, v.id, log, (x) => x.status === 'in_progress');
  rmSync(join(t.cfg.dataDir, 'blobs', 'inputs', v.id, 'reference.png'));
  await pollUntilTerminal(a, [v.id], log, 60_000);
  const statuses = log.seen.get(v.id)!.map((s) => s.status);
  const started = statuses.indexOf('in_progress');
  assert.ok(started >= 0);
  assert.ok(!statuses.slice(started).includes('queued'), statuses.join(' > '));
  assert.equal(statuses.at(-1), 'failed');
});
