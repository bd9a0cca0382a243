// Store scale bench: list and get through the real server (SQLite, auth, routes) with 100,000
// videos stored against the same with 100 stored, measured in the same run in alternating rounds.
// Target: p99 at 100,000 within 1.2x of p99 at 100.
import { performance } from 'node:perf_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/index.js';
import { startServer, type Server } from '../src/server.js';
import { newVideoId } from '../src/videos/service.js';

const KEY = 'sk-reelay-bench-store-scale-0000';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const REQUESTS = 400; // per operation per round

interface Setup {
  server: Server;
  dir: string;
  ids: string[];
}

async function setup(count: number): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), 'reelay-bench-scale-'));
  // role api: nothing claims the stored rows while the bench reads them.
  const cfg = loadConfig({ env: {}, overrides: { host: '127.0.0.1', port: 0, dataDir: dir, apiKey: KEY, logLevel: 'error', role: 'api' } });
  const server = await startServer(cfg);
  const projectId = await server.store.ensureProject('default');
  const ids: string[] = [];
  const now = Math.floor(Date.now() / 1000);
  for (let i = 0; i < count; i++) {
    const id = newVideoId();
    ids.push(id);
    await server.store.insertVideo({
      id, projectId, model: 'sora-2', createdAt: now, prompt: `video ${i}`, size: '1280x720', seconds: '4',
      remixedFromVideoId: null, kind: 'create', sourceVideoId: null, engine: 'local', billedSeconds: 4,
      params: { seed: i, fit: 'crop', referenceKey: null, uploadKey: null, characters: [], extensionCount: 0 },
    });
  }
  return { server, dir, ids };
}

function p99(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))];
}

async function timed(url: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url, { headers: { authorization: `Bearer ${KEY}` } });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return performance.now() - t0;
}

type Op = 'get' | 'list first page' | 'list after a cursor';
const OPS: Op[] = ['get', 'list first page', 'list after a cursor'];

async function round(s: Setup, op: Op): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const id = s.ids[Math.floor(Math.random() * s.ids.length)];
    const path = op === 'get' ? `/v1/videos/${id}` : op === 'list first page' ? '/v1/videos?limit=20' : `/v1/videos?limit=20&after=${id}`;
    out.push(await timed(`${s.server.url}${path}`));
  }
  return out;
}

export async function runStoreScaleBench(): Promise<void> {
  const t0 = performance.now();
  const small = await setup(100);
  const large = await setup(100_000);
  console.log(`Store scale: p99 of list and get with 100,000 videos stored vs 100 (SQLite, through the server; ${ROUNDS} alternating rounds of ${REQUESTS} requests; set-up ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  try {
    for (const op of OPS) {
      const a: number[] = [];
      const b: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        a.push(...(await round(small, op)));
        b.push(...(await round(large, op)));
      }
      const ratio = p99(b) / p99(a);
      const verdict = ratio <= 1.2 ? 'met' : 'OVER';
      console.log(`  ${op.padEnd(22)} p99 ${p99(a).toFixed(2)} ms at 100, ${p99(b).toFixed(2)} ms at 100,000: ${ratio.toFixed(2)}x  target <= 1.2x: ${verdict}`);
    }
  } finally {
    for (const s of [small, large]) {
      await s.server.close(1000);
      rmSync(s.dir, { recursive: true, force: true });
    }
  }
}
