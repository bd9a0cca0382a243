// `reelay webhooks …`: the real CLI binary on the data dir of a real running server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { startTestServer, waitForVideo, tempDir, rmrf, type TestServer } from '../helpers/server.js';
import { startReceiver, unwrap, newProject, type Receiver } from './helpers.js';

const BIN = resolve(import.meta.dirname, '../../bin/reelay.js');
let t: TestServer;
let rx: Receiver;
let cwd: string;

before(async () => {
  t = await startTestServer({ webhookAllowPrivate: true, webhookRetryBaseMs: 100 });
  rx = await startReceiver();
  cwd = tempDir('reelay-cli-');
});
after(async () => {
  await rx.close();
  await t.close();
  rmrf(cwd);
});

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, REELAY_DATA_DIR: t.cfg.dataDir, REELAY_WEBHOOK_ALLOW_PRIVATE: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

test('webhooks create refuses bad URLs with a clear message (exit 2)', async () => {
  const noPrivate = { REELAY_WEBHOOK_ALLOW_PRIVATE: '0' };
  const http = await cli(['webhooks', 'create', '--url', 'http://example.com/hook'], noPrivate);
  assert.equal(http.code, 2);
  assert.match(http.stderr, /refused: webhook URLs must be https/);
  const loop = await cli(['webhooks', 'create', '--url', 'https://127.0.0.1:8443/hook'], noPrivate);
  assert.equal(loop.code, 2);
  assert.match(loop.stderr, /127\.0\.0\.1 is a loopback, private or link-local address/);
  const named = await cli(['webhooks', 'create', '--url', 'https://localhost:8443/hook'], noPrivate);
  assert.equal(named.code, 2);
  assert.match(named.stderr, /localhost resolves to (127\.0\.0\.1|::1)/);
  const events = await cli(['webhooks', 'create', '--url', rx.url, '--events', 'video.created']);
  assert.equal(events.code, 2);
  assert.match(events.stderr, /unknown event 'video.created'/);
  assert.equal(JSON.parse((await cli(['webhooks', 'list', '--json'])).stdout).length, 0, 'nothing stored');
});

test('create prints the secret once; list, deliveries, redeliver, rotate-secret and delete work on a running server', async () => {
  const p = await newProject(t.server, t.base);
  const created = await cli(['webhooks', 'create', '--project', p.name, '--url', rx.url]);
  assert.equal(created.code, 0, created.stderr);
  const [secret] = created.stdout.split('\n');
  assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  assert.equal(Buffer.from(secret.slice(6), 'base64').length, 32);
  const id = /endpoint (we_[0-9a-f]+)/.exec(created.stdout)![1];

  const list = await cli(['webhooks', 'list']);
  assert.match(list.stdout, new RegExp(`${id}\\s+${p.name}\\s+${rx.url.replace(/[./]/g, '\\$&')}\\s+video.completed,video.failed\\s+cli\\s+active`));
  assert.ok(!list.stdout.includes(secret.slice(6)) && !(await cli(['webhooks', 'list', '--json'])).stdout.includes(secret.slice(6)), 'list never shows the secret');

  const v = await p.client.videos.create({ prompt: 'a whale surfacing at dawn', seconds: '4', size: '720x1280' });
  await waitForVideo(p.client, v.id);
  const [first] = await rx.waitFor(1);
  const event = await unwrap(first, secret);
  assert.equal(event.data.id, v.id);

  const deliveries = await cli(['webhooks', 'deliveries', '--endpoint', id, '--attempts']);
  assert.equal(deliveries.code, 0, deliveries.stderr);
  assert.match(deliveries.stdout, new RegExp(`${event.id}\\s+video.completed\\s+${v.id}\\s+${id}\\s+delivered\\s+attempts 1\\s+last \\S+ 200`));
  assert.match(deliveries.stdout, /\n\s+\S+Z\s+200\s+delivered\s+\d+ ms/);
  assert.equal((await cli(['webhooks', 'deliveries', '--failed', '--endpoint', id])).stdout, '', '--failed leaves out delivered ones');
  const json = JSON.parse((await cli(['webhooks', 'deliveries', '--json', '--endpoint', id])).stdout);
  assert.equal(json[0].attemptList.length, 1);

  // The running server picks the redelivery up from the shared SQLite file.
  const again = await cli(['webhooks', 'redeliver', event.id]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /queued evt_[0-9a-f]+ for 1 endpoint/);
  const [, second] = await rx.waitFor(2, 10_000);
  assert.equal(second.headers['webhook-id'], event.id, 'the same webhook-id');
  assert.equal((await unwrap(second, secret)).id, event.id);

  const rotated = await cli(['webhooks', 'rotate-secret', id]);
  assert.equal(rotated.code, 0, rotated.stderr);
  const [newSecret] = rotated.stdout.split('\n');
  assert.match(newSecret, /^whsec_/);
  assert.notEqual(newSecret, secret);
  assert.match((await cli(['webhooks', 'list'])).stdout, /previous secret valid until/);
  await cli(['webhooks', 'redeliver', event.id]);
  const [, , third] = await rx.waitFor(3, 10_000);
  assert.equal(third.headers['webhook-signature'].split(' ').length, 2);
  await unwrap(third, newSecret);
  await unwrap(third, secret);

  const deleted = await cli(['webhooks', 'delete', id]);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.ok(!(await cli(['webhooks', 'list'])).stdout.includes(id));
  assert.equal((await cli(['webhooks', 'delete', id])).code, 3);
  assert.equal((await cli(['webhooks', 'rotate-secret', id])).code, 3);
  const unknown = await cli(['webhooks', 'redeliver', 'evt_00000000000000000000000000000000']);
  assert.equal(unknown.code, 3);
  assert.match(unknown.stderr, /no webhook event/);
});
