// Starts a real reelay server (in this process, or as a child process) on an ephemeral port
// with its own data dir; everything it made is removed when the test ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import OpenAI from 'openai';
import { loadConfig, type Config } from '../../src/config/index.js';
import { startServer, type Server } from '../../src/server.js';
import { createKey } from '../../src/http/index.js';

export const TEST_KEY = 'sk-reelay-test-key-0123456789';

export interface TestServer {
  server: Server;
  url: string;
  base: string;
  cfg: Config;
  key: string;
  client: OpenAI;
  /** A key for another project, for isolation tests. */
  otherKey(): Promise<string>;
  auth(key?: string): Record<string, string>;
  close(): Promise<void>;
}

export function tempDir(prefix = 'reelay-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startTestServer(overrides: Partial<Config> = {}): Promise<TestServer> {
  const dataDir = overrides.dataDir ?? tempDir();
  const cfg = loadConfig({
    env: {},
    overrides: { host: '127.0.0.1', port: 0, dataDir, apiKey: TEST_KEY, logLevel: 'warn', concurrency: 2, ...overrides },
  });
  const server = await startServer(cfg);
  const base = `${server.url}/v1`;
  return {
    server,
    url: server.url,
    base,
    cfg,
    key: TEST_KEY,
    client: new OpenAI({ apiKey: TEST_KEY, baseURL: base, maxRetries: 0, timeout: 60_000 }),
    async otherKey() {
      return (await createKey(server.store, `other-${Math.random().toString(36).slice(2)}`, 'test')).secret;
    },
    auth: (key = TEST_KEY) => ({ authorization: `Bearer ${key}` }),
    async close() {
      await server.close(2000);
      if (!overrides.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls until the video is terminal. */
export async function waitForVideo(client: OpenAI, id: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await client.videos.retrieve(id);
    if (v.status === 'completed' || v.status === 'failed') return v;
    if (Date.now() > deadline) throw new Error(`video ${id} still ${v.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface ChildServer {
  proc: ChildProcess;
  url: string;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `reelay serve` as a real child process (for crash and signal tests). */
export async function startChildServer(env: Record<string, string>): Promise<ChildServer> {
  const bin = resolve(import.meta.dirname, '../../bin/reelay.js');
  const proc = spawn(process.execPath, [bin, 'serve'], {
    env: { ...process.env, REELAY_HOST: '127.0.0.1', REELAY_PORT: '0', REELAY_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 30_000);
    const check = () => {
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    };
    proc.stdout!.on('data', check);
    proc.on('exit', () => reject(new Error(`server exited:\n${out}`)));
  });
  return {
    proc,
    url,
    output: () => out,
    kill(signal = 'SIGTERM') {
      return new Promise((res) => {
        if (proc.exitCode !== null) return res(proc.exitCode);
        proc.once('exit', (code) => res(code));
        proc.kill(signal);
      });
    },
  };
}

export function rmrf(dir: string) {
  rmSync(dir, { recursive: true, force: true });
}
