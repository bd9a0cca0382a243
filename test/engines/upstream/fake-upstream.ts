// A scripted upstream at the HTTP level: speaks /v1/videos well by default; each test overrides
// the answers it wants to break. It counts every request so tests can assert exactly-once submission.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { run, tools } from '../../../src/media/index.js';
import { tempDir } from '../../helpers/server.js';

export interface FakeJob {
  id: string;
  object: 'video';
  status: string;
  progress: number;
  created_at: number;
  prompt: string;
  model: string;
  seconds: string;
  size: string;
  polls: number;
  [k: string]: unknown;
}

export interface SubmitInfo {
  path: string;
  contentType: string;
  body: string;
  fields: Record<string, string>;
  authorization: string | undefined;
}

type Handler<A extends unknown[]> = ((res: ServerResponse, ...args: A) => boolean | void | Promise<boolean | void>) | null;

let testVideo: Buffer | null = null;

/** A real 1-second H.264 MP4 (what a real upstream would hand back). */
export async function makeTestVideo(): Promise<Buffer> {
  if (testVideo) return testVideo;
  const out = join(tempDir('reelay-fake-'), 'v.mp4');
  await run(tools().ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=24', '-t', '1', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', '-y', out]);
  testVideo = readFileSync(out);
  return testVideo;
}

function fieldsOf(contentType: string, body: string): Record<string, string> {
  if (contentType.startsWith('application/json')) {
    try {
      const o = JSON.parse(body) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
    } catch {
      return {};
    }
  }
  const out: Record<string, string> = {};
  for (const m of body.matchAll(/name="([^"]+)"(?:; filename="[^"]*")?\r\n(?:Content-Type: [^\r]*\r\n)?\r\n([\s\S]*?)\r\n--/g)) out[m[1]] = m[2];
  return out;
}

export class FakeUpstream {
  url = '';
  base = '';
  video!: Buffer;
  jobs = new Map<string, FakeJob>();
  submits: SubmitInfo[] = [];
  /** Character uploads (POST /v1/videos/characters), kept apart from video submits. */
  characters: SubmitInfo[] = [];
  polls = 0;
  downloads = 0;
  deletes: string[] = [];
  lists = 0;
  /** Polls a job takes before it completes by default. */
  pollsToFinish = 2;
  /** Return true when the handler answered. */
  onSubmit: Handler<[n: number, info: SubmitInfo]> = null;
  onCharacter: Handler<[n: number, info: SubmitInfo]> = null;
  onPoll: Handler<[job: FakeJob]> = null;
  onContent: Handler<[job: FakeJob, variant: string, n: number]> = null;
  private server!: http.Server;
  private readonly sockets = new Set<Socket>();
  private seq = 0;

  async start(): Promise<this> {
    this.video = await makeTestVideo();
    this.server = http.createServer((req, res) => void this.handle(req, res).catch((err) => {
      res.statusCode = 599;
      res.end(String(err));
    }));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.base = `${this.url}/v1`;
    return this;
  }

  reset(): void {
    this.jobs.clear();
    this.submits = [];
    this.characters = [];
    this.polls = this.downloads = this.lists = 0;
    this.deletes = [];
    this.pollsToFinish = 2;
    this.onSubmit = this.onCharacter = this.onPoll = this.onContent = null;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  }

  /** Adds a job as if a create had been accepted. */
  addJob(info: Partial<FakeJob> = {}): FakeJob {
    const job: FakeJob = {
      id: `video_up${String(++this.seq).padStart(6, '0')}`, object: 'video', status: 'queued', progress: 0,
      created_at: Math.floor(Date.now() / 1000), prompt: '', model: '', seconds: '4', size: '1280x720', polls: 0, ...info,
    };
    this.jobs.set(job.id, job);
    return job;
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', this.url);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('latin1');
    const path = url.pathname;
    let m: RegExpMatchArray | null;
    if (req.method === 'POST' && path === '/v1/videos/characters') {
      const contentType = String(req.headers['content-type'] ?? '');
      const info: SubmitInfo = { path, contentType, body, fields: fieldsOf(contentType, body), authorization: req.headers.authorization };
      this.characters.push(info);
      if (this.onCharacter && (await this.onCharacter(res, this.characters.length, info))) return;
      return this.json(res, 200, { id: `char_up${String(this.characters.length).padStart(4, '0')}`, name: info.fields.name, created_at: Math.floor(Date.now() / 1000) });
    }
    if (req.method === 'POST' && (path === '/v1/videos' || /^\/v1\/videos\/(edits|extensions|[^/]+\/remix)$/.test(path))) {
      const contentType = String(req.headers['content-type'] ?? '');
      const info: SubmitInfo = { path, contentType, body, fields: fieldsOf(contentType, body), authorization: req.headers.authorization };
      this.submits.push(info);
      if (this.onSubmit && (await this.onSubmit(res, this.submits.length, info))) return;
      const job = this.addJob({ prompt: info.fields.prompt ?? '', model: info.fields.model ?? '' });
      return this.json(res, 200, this.view(job));
    }
    if (req.method === 'GET' && path === '/v1/videos') {
      this.lists++;
      const data = [...this.jobs.values()].reverse().map((j) => this.view(j));
      return this.json(res, 200, { object: 'list', data, has_more: false });
    }
    if ((m = /^\/v1\/videos\/([^/]+)$/.exec(path))) {
      const job = this.jobs.get(decodeURIComponent(m[1]));
      if (req.method === 'DELETE') {
        this.deletes.push(decodeURIComponent(m[1]));
        return this.json(res, job ? 200 : 404, { id: m[1], object: 'video.deleted', deleted: true });
      }
      this.polls++;
      if (!job) return this.json(res, 404, { error: { message: 'not found', type: 'invalid_request_error', param: null, code: null } });
      job.polls++;
      if (this.onPoll && (await this.onPoll(res, job))) return;
      if (job.status === 'queued' || job.status === 'in_progress') {
        if (job.polls >= this.pollsToFinish) Object.assign(job, { status: 'completed', progress: 100 });
        else Object.assign(job, { status: 'in_progress', progress: 40 });
      }
      return this.json(res, 200, this.view(job));
    }
    if (req.method === 'GET' && (m = /^\/v1\/videos\/([^/]+)\/content$/.exec(path))) {
      this.downloads++;
      const job = this.jobs.get(decodeURIComponent(m[1]));
      const variant = url.searchParams.get('variant') ?? 'video';
      if (!job) return this.json(res, 404, { error: { message: 'not found' } });
      if (this.onContent && (await this.onContent(res, job, variant, this.downloads))) return;
      if (variant !== 'video') return this.json(res, 404, { error: { message: `no ${variant} here` } });
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(this.video.length) });
      return res.end(this.video);
    }
    this.json(res, 404, { error: { message: `no route ${req.method} ${path}` } });
  }

  view(job: FakeJob) {
    const { polls: _p, ...rest } = job;
    return rest;
  }
}
