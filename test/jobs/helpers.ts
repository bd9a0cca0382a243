// Small helpers for the job tests: raw HTTP against a server, and a progress recorder.
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { startChildServer, tempDir, rmrf, type ChildServer } from '../helpers/server.js';

export interface VideoJson {
  id: string;
  status: 'queued' | 'in_progress' | 'completed' | 'failed';
  progress: number;
  completed_at: number | null;
  expires_at: number | null;
  error: { code: string; message: string } | null;
  seconds: string;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function api(baseUrl: string, key: string) {
  const headers = { authorization: `Bearer ${key}` };
  return {
    async create(body: Record<string, unknown>): Promise<VideoJson> {
      const res = await fetch(`${baseUrl}/v1/videos`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 200, await res.clone().text());
      return (await res.json()) as VideoJson;
    },
    async get(id: string): Promise<{ status: number; body: any }> {
      const res = await fetch(`${baseUrl}/v1/videos/${id}`, { headers });
      return { status: res.status, body: await res.json() };
    },
    async list(): Promise<VideoJson[]> {
      const out: VideoJson[] = [];
      let after = '';
      for (;;) {
        const res = await fetch(`${baseUrl}/v1/videos?limit=100&order=asc${after}`, { headers });
        const page = (await res.json()) as { data: VideoJson[]; has_more: boolean; last_id: string };
        out.push(...page.data);
        if (!page.has_more) return out;
        after = `&after=${page.last_id}`;
      }
    },
    async del(id: string): Promise<{ status: number; body: any }> {
      const res = await fetch(`${baseUrl}/v1/videos/${id}`, { method: 'DELETE', headers });
      return { status: res.status, body: await res.json() };
    },
    async content(id: string, variant = 'video'): Promise<Response> {
      return fetch(`${baseUrl}/v1/videos/${id}/content?variant=${variant}`, { headers });
    },
  };
}

export type Api = ReturnType<typeof api>;

/** Every progress value and status seen per video, across server restarts. */
export class ProgressLog {
  readonly seen = new Map<string, { status: string; progress: number }[]>();

  record(v: VideoJson) {
    const list = this.seen.get(v.id) ?? [];
    list.push({ status: v.status, progress: v.progress });
    this.seen.set(v.id, list);
  }

  /** Progress and status never went backwards, progress stayed below 100 until completed, and a completed video is 100. */
  assertMonotonic() {
    const rank: Record<string, number> = { queued: 0, in_progress: 1, completed: 2, failed: 2 };
    for (const [id, list] of this.seen) {
      for (let i = 1; i < list.length; i++) {
        assert.ok(list[i].progress >= list[i - 1].progress, `${id}: progress went back ${list[i - 1].progress} -> ${list[i].progress}`);
        assert.ok(rank[list[i].status] >= rank[list[i - 1].status], `${id}: status went back ${list[i - 1].status} -> ${list[i].status}`);
        if (rank[list[i - 1].status] === 2) assert.equal(list[i].status, list[i - 1].status, `${id}: left its terminal state`);
      }
      for (const s of list) {
        if (s.status === 'completed') assert.equal(s.progress, 100, `${id}: completed at ${s.progress}`);
        else assert.ok(s.progress < 100, `${id}: ${s.status} at progress ${s.progress}`);
      }
    }
  }
}

const TERMINAL = new Set(['completed', 'failed']);

/** Polls every id until all are terminal, recording what it sees. */
export async function pollUntilTerminal(a: Api, ids: string[], log: ProgressLog, timeoutMs = 180_000): Promise<Map<string, VideoJson>> {
  const deadline = Date.now() + timeoutMs;
  const done = new Map<string, VideoJson>();
  while (done.size < ids.length) {
    for (const id of ids) {
      if (done.has(id)) continue;
      const { status, body } = await a.get(id);
      assert.equal(status, 200, JSON.stringify(body));
      log.record(body);
      if (TERMINAL.has(body.status)) done.set(id, body);
    }
    if (Date.now() > deadline) throw new Error(`not terminal after ${timeoutMs} ms: ${ids.filter((i) => !done.has(i)).join(', ')}`);
    await sleep(100);
  }
  return done;
}

/** Polls one video until `pred` holds, recording what it sees. */
export async function pollUntil(a: Api, id: string, log: ProgressLog, pred: (v: VideoJson) => boolean, timeoutMs = 120_000): Promise<VideoJson> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await a.get(id);
    log.record(body);
    if (pred(body)) return body;
    if (TERMINAL.has(body.status)) throw new Error(`${id} became ${body.status} first: ${JSON.stringify(body)}`);
    if (Date.now() > deadline) throw new Error(`${id}: condition not met after ${timeoutMs} ms (${body.status} ${body.progress})`);
    await sleep(50);
  }
}

/**
 * Real `reelay serve` children for one test file, each on a data dir that outlives restarts;
 * when the file's tests end every child is killed and every dir removed.
 */
export function childServers(key: string, prefix: string) {
  const dirs: string[] = [];
  const children: ChildServer[] = [];
  after(async () => {
    for (const c of children) await c.kill('SIGKILL');
    for (const d of dirs) rmrf(d);
  });
  return {
    dataDir(): string {
      const dir = tempDir(prefix);
      dirs.push(dir);
      return dir;
    },
    async start(dir: string, env: Record<string, string> = {}): Promise<ChildServer> {
      const c = await startChildServer({ REELAY_DATA_DIR: dir, REELAY_API_KEY: key, REELAY_CONCURRENCY: '1', ...env });
      children.push(c);
      return c;
    },
  };
}
