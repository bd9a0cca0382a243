// One reelay process per data dir: the embedded store's leases assume it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startChildServer, tempDir, rmrf, type ChildServer } from '../helpers/server.js';

const dir = tempDir('reelay-lock-');
const children: ChildServer[] = [];
after(async () => {
  for (const c of children) await c.kill('SIGKILL');
  rmrf(dir);
});

test('a second server on the same data dir refuses to start; the first keeps serving; a clean stop frees the dir', async () => {
  const env = { REELAY_DATA_DIR: dir, REELAY_API_KEY: 'sk-reelay-lock-test-0123456789' };
  const first = await startChildServer(env);
  children.push(first);
  assert.equal(readFileSync(join(dir, 'reelay.pid'), 'utf8'), String(first.proc.pid));

  await assert.rejects(startChildServer(env), (err: Error) => {
    assert.match(err.message, new RegExp(`reelay serve: another reelay process \\(pid ${first.proc.pid}\\) is using`));
    assert.doesNotMatch(err.message, /\n\s+at /, 'no stack trace');
    return true;
  });
  assert.equal(readFileSync(join(dir, 'reelay.pid'), 'utf8'), String(first.proc.pid), 'the refused start left the lock alone');
  assert.equal((await fetch(`${first.url}/readyz`)).status, 200);

  assert.equal(await first.kill('SIGTERM'), 0);
  assert.equal(existsSync(join(dir, 'reelay.pid')), false);
  const second = await startChildServer(env);
  children.push(second);
  assert.equal((await fetch(`${second.url}/healthz`)).status, 200);
  assert.equal(await second.kill('SIGTERM'), 0);
});

test('a start that cannot bind its port says so in one line, frees the data dir and keeps the first key unspent', async () => {
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  const port = String((busy.address() as AddressInfo).port);
  const fresh = tempDir('reelay-lock-');
  try {
    // No REELAY_API_KEY: a first start would create and print the default project's key.
    await assert.rejects(startChildServer({ REELAY_DATA_DIR: fresh, REELAY_PORT: port, REELAY_API_KEY: '' }), (err: Error) => {
      assert.match(err.message, /reelay serve: listen EADDRINUSE/);
      assert.doesNotMatch(err.message, /\n\s+at /, 'no stack trace');
      assert.doesNotMatch(err.message, /sk-reelay-/, 'no key printed by a failed start');
      return true;
    });
    assert.equal(existsSync(join(fresh, 'reelay.pid')), false, 'the lock was released');
  } finally {
    busy.close();
  }
  // The next start on a free port creates and prints the key.
  const ok = await startChildServer({ REELAY_DATA_DIR: fresh, REELAY_API_KEY: '' });
  children.push(ok);
  // The key is printed just after the listening line: wait for it.
  let key: string | undefined;
  for (let i = 0; i < 100 && !key; i++) {
    key = /\n\s+(sk-reelay-\S+)\n/.exec(ok.output())?.[1];
    if (!key) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(key, ok.output());
  assert.equal((await fetch(`${ok.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status, 200);
  assert.equal(await ok.kill('SIGTERM'), 0);
  rmrf(fresh);
});

test('a pid file left by a crash whose pid now belongs to another program does not block the start', async () => {
  const stale = tempDir('reelay-lock-');
  const other = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    writeFileSync(join(stale, 'reelay.pid'), String(other.pid));
    const c = await startChildServer({ REELAY_DATA_DIR: stale, REELAY_API_KEY: 'sk-reelay-lock-test-0123456789' });
    children.push(c);
    assert.equal(readFileSync(join(stale, 'reelay.pid'), 'utf8'), String(c.proc.pid));
    assert.equal(other.exitCode, null, 'the other program is untouched');
    assert.equal(await c.kill('SIGTERM'), 0);
  } finally {
    other.kill('SIGKILL');
    rmrf(stale);
  }
});
