// A real PostgreSQL for tests, started from the machine's own binaries (initdb, postgres).
//
//   import { testPostgres } from '../helpers/postgres.js';
//
//   const pg = await testPostgres();          // one cluster per test process, started on first call
//   if (!pg) { test('postgres', { skip: 'no PostgreSQL binaries' }, () => {}); }
//   const url = await pg.newDatabase();        // a fresh, empty database: postgresql://...:port/reelay_t3
//   await startTestServer({ databaseUrl: url }); // or openStore({ dataDir, databaseUrl: url })
//   pg.url                                     // the cluster's `postgres` database (for admin statements)
//   await pg.stop();                           // optional: it also stops when the process exits
//
// `testPostgres()` returns null when no binaries are found (PATH, then /usr/lib/postgresql/*/bin)
// and the tests are not in CI; in CI (CI=true) it throws instead, so a runner without PostgreSQL
// fails rather than skipping silently. `skipReason` is the one line to skip with.
//
// The cluster lives in a temp dir, listens on 127.0.0.1 only (an ephemeral port, picked by
// binding port 0 first) and a socket in its own dir, with fsync off (tests need no durability
// against power loss). initdb refuses to run as root, so as root the binaries run as the
// `postgres` user (setpriv; the dir is chowned to it); otherwise they run as the current user.
// The server gets a parent-death signal when setpriv is used, so a test process that is killed
// leaves no PostgreSQL behind.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';

export interface TestPostgres {
  /** The cluster's `postgres` database. */
  url: string;
  /** Creates an empty database and returns its URL. */
  newDatabase(prefix?: string): Promise<string>;
  stop(): Promise<void>;
}

export const skipReason = 'PostgreSQL binaries (initdb, postgres) not found: PostgreSQL tests skipped';

let started: Promise<TestPostgres | null> | null = null;

/** The process's cluster, started on the first call; null when no binaries are found (outside CI). */
export function testPostgres(): Promise<TestPostgres | null> {
  started ??= start();
  return started;
}

function findBinDir(): string | null {
  const has = (dir: string) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'));
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir && has(dir)) return dir;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    for (const v of readdirSync(root).sort((a, b) => Number(b) - Number(a))) if (has(join(root, v, 'bin'))) return join(root, v, 'bin');
  }
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function start(): Promise<TestPostgres | null> {
  const bin = findBinDir();
  if (!bin) {
    if (process.env.CI === 'true') throw new Error('PostgreSQL binaries (initdb, postgres) not found, and CI=true: install PostgreSQL');
    return null;
  }
  const asRoot = process.getuid?.() === 0;
  // As root: run as `postgres` (setpriv keeps our environment and adds a parent-death signal).
  const wrap = (cmd: string, args: string[]): [string, string[]] =>
    asRoot ? ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--pdeathsig=KILL', join(bin, cmd), ...args]] : [join(bin, cmd), args];
  const dir = mkdtempSync(join(tmpdir(), 'reelay-pg-'));
  const data = join(dir, 'data');
  if (asRoot) chownSync(dir, Number(run('id', ['-u', 'postgres']).trim()), Number(run('id', ['-g', 'postgres']).trim()));
  const user = asRoot ? 'postgres' : userInfo().username;

  const [initCmd, initArgs] = wrap('initdb', ['-D', data, '-U', user, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']);
  const init = spawnSync(initCmd, initArgs, { encoding: 'utf8', cwd: dir });
  if (init.status !== 0) throw new Error(`initdb failed (${init.status}): ${init.stderr || init.stdout}`);

  const port = await freePort();
  const [cmd, args] = wrap('postgres', [
    '-D', data, '-p', String(port), '-k', dir,
    '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
    '-c', 'max_connections=200', '-c', 'shared_buffers=32MB', '-c', 'log_min_messages=warning', '-c', 'logging_collector=off',
  ]);
  const proc: ChildProcess = spawn(cmd, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  proc.unref();
  (proc.stderr as unknown as { unref?: () => void }).unref?.();

  const base = `postgresql://${encodeURIComponent(user)}@127.0.0.1:${port}`;
  const url = `${base}/postgres`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`postgres exited (${proc.exitCode}): ${log}`);
    const c = new pg.Client({ connectionString: url });
    try {
      await c.connect();
      await c.end();
      break;
    } catch {
      await c.end().catch(() => {});
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections within 30 s: ${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  let stopped = false;
  // Synchronous, so it also runs from process.on('exit'): a fast shutdown, then the files.
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    if (proc.exitCode === null) {
      proc.kill('SIGQUIT'); // immediate shutdown: no checkpoint, the data is thrown away anyway
      const until = Date.now() + 5000;
      // The postmaster removes its pid file as it exits (the child is not reaped while this blocks).
      while (Date.now() < until && existsSync(join(data, 'postmaster.pid'))) spawnSync('sleep', ['0.02']);
      if (existsSync(join(data, 'postmaster.pid'))) proc.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', stopSync);

  let n = 0;
  return {
    url,
    async newDatabase(prefix = 'reelay_t') {
      const name = `${prefix}${++n}_${process.pid}`;
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE "${name}"`);
      } finally {
        await c.end();
      }
      return `${base}/${name}`;
    },
    async stop() {
      started = null;
      stopSync();
    },
  };
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}
