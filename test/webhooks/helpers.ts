// A local webhook receiver (node:http on 127.0.0.1, port 0) that records every request, and the
// official SDK's verifier.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { createKey } from '../../src/http/index.js';
import type { Server } from '../../src/server.js';

export interface Received {
  headers: Record<string, string>;
  body: string;
  at: number;
}

/** What to answer the n-th request (0-based): a status, or 'hang' to never answer. */
export type Answer = (n: number, req: IncomingMessage) => number | 'hang' | { status: number; headers: Record<string, string> };

export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  /** TCP connections accepted (a refused destination never gets one). */
  connections(): number;
  /** Resolves once `n` requests have arrived (rejects after timeoutMs). */
  waitFor(n: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(answer: Answer = () => 200, port = 0): Promise<Receiver> {
  const received: Received[] = [];
  const waiters: (() => void)[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      const n = received.length;
      received.push({ headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      waiters.splice(0).forEach((w) => w());
      const a = answer(n, req);
      if (a === 'hang') return;
      if (typeof a === 'number') res.writeHead(a).end('ok');
      else res.writeHead(a.status, a.headers).end('ok');
    });
  });
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}/hook`,
    port: actual,
    received,
    connections: () => connections,
    async waitFor(n, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < n) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`receiver got ${received.length} of ${n} requests in ${timeoutMs} ms`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, left);
          waiters.push(() => (clearTimeout(t), r()));
        });
      }
      return received;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const sdk = new OpenAI({ apiKey: 'unused', baseURL: 'http://127.0.0.1:9/v1' });

/** The official SDK's check: throws unless the delivery is signed with `secret` (and recent). */
export function unwrap(r: Received, secret: string, body = r.body, headers = r.headers) {
  return sdk.webhooks.unwrap(body, headers, secret) as Promise<{ id: string; object: string; created_at: number; type: string; data: { id: string } }>;
}

/** A fresh project with its own key and an SDK client for it. */
export async function newProject(server: Server, base: string) {
  const name = `wh-${Math.random().toString(36).slice(2, 10)}`;
  const { secret } = await createKey(server.store, name, 'test');
  return { name, client: new OpenAI({ apiKey: secret, baseURL: base, maxRetries: 0, timeout: 60_000 }) };
}

export async function until<T>(fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
