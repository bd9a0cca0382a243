// Keys are cached for speed, yet a key created or revoked by the CLI (another process) takes
// effect on the running server at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { startTestServer } from '../helpers/server.js';

const BIN = resolve(import.meta.dirname, '../../bin/reelay.js');

test('a key revoked by `reelay keys revoke` in another process is refused on the very next request', async () => {
  const t = await startTestServer();
  try {
    const cli = (...args: string[]) =>
      execFileSync(process.execPath, [BIN, 'keys', ...args], { env: { ...process.env, REELAY_DATA_DIR: t.cfg.dataDir } }).toString();
    const created = JSON.parse(cli('create', '--project', 'cache-test', '--json')) as { id: string; key: string };
    const get = () => fetch(`${t.base}/videos`, { headers: { authorization: `Bearer ${created.key}` } });
    for (let i = 0; i < 3; i++) assert.equal((await get()).status, 200);
    assert.match(cli('revoke', created.id), /revoked/);
    const after = await get();
    assert.equal(after.status, 401);
    assert.equal(((await after.json()) as { error: { code: string } }).error.code, 'invalid_api_key');
  } finally {
    await t.close();
  }
});
