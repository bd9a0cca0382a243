// One ComfyUI server: its HTTP calls (/prompt, /history, /queue, /interrupt, /upload/image, /view),
// its in-flight count, and what reelay last saw of it (reachable, queue length).
import http from 'node:http';
import https from 'node:https';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { open, send, multipart, receiveToFile, DownloadError, TransportError, type UpstreamResponse } from '../upstream/index.js';
import type { ComfyServerConfig } from './config.js';
import type { Graph } from './graph.js';

export interface OutputFile {
  filename: string;
  subfolder: string;
  type: string;
}

export interface HistoryEntry {
  outputs: Record<string, Record<string, unknown>>;
  status?: { status_str?: string; completed?: boolean; messages?: [string, Record<string, unknown>][] };
}

export type SubmitOutcome =
  | { kind: 'accepted'; promptId: string }
  /** Nothing reached the server in full: safe to try another. */
  | { kind: 'refused'; message: string }
  /** 5xx/429: the server did not take it. */
  | { kind: 'busy'; message: string }
  /** Validation failed (400 with error/node_errors): the message goes to the user. */
  | { kind: 'rejected'; message: string }
  /** The request left in full but no usable answer came: look the id up. */
  | { kind: 'unknown'; message: string };

export type Whereabouts = 'running' | 'pending' | 'history' | 'absent';

export { DownloadError };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));

/** ComfyUI's validation answer as one sentence: the top error, then each node's errors with their inputs. */
export function validationMessage(body: unknown, fallback: string): string {
  if (!isObject(body)) return fallback;
  const parts: string[] = [];
  const top = isObject(body.error) ? body.error : null;
  if (top) parts.push([str(top.message), str(top.details)].filter(Boolean).join(': '));
  else if (typeof body.error === 'string') parts.push(body.error);
  if (isObject(body.node_errors)) {
    for (const [id, ne] of Object.entries(body.node_errors)) {
      if (!isObject(ne) || !Array.isArray(ne.errors)) continue;
      const errs = ne.errors.filter(isObject).map((e) => {
        const input = isObject(e.extra_info) && typeof e.extra_info.input_name === 'string' ? ` '${e.extra_info.input_name}'` : '';
        return `${str(e.message)}${input}${e.details && !input ? ` (${str(e.details)})` : ''}`;
      });
      if (errs.length) parts.push(`node ${id}${ne.class_type ? ` (${str(ne.class_type)})` : ''}: ${errs.join('; ')}`);
    }
  }
  return parts.filter(Boolean).join(' - ') || fallback;
}

export class ComfyClient {
  /** One WebSocket client id per reelay process and server: prompts submitted with it report to our socket. */
  readonly clientId = randomUUID();
  /** Prompts of ours queued or running there. */
  used = 0;
  /** The last the server said about its queue (all clients' prompts), from the WebSocket's status. */
  queueRemaining = 0;
  /** False after a request could not reach it; true again on any answer or a WebSocket open. */
  up = true;
  private readonly agent: http.Agent;
  private readonly downloadAgent: http.Agent;
  readonly authHeaders: Record<string, string>;

  constructor(
    readonly cfg: ComfyServerConfig,
    private readonly log: Logger,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const Agent = cfg.baseUrl.startsWith('https:') ? https.Agent : http.Agent;
    this.agent = new Agent({ keepAlive: true, maxSockets: 16, maxFreeSockets: 16 });
    this.downloadAgent = new Agent({ keepAlive: true, maxSockets: 8, maxFreeSockets: 2 });
    const value = cfg.authHeaderEnv ? env[cfg.authHeaderEnv] : undefined;
    this.authHeaders = value ? { [cfg.authHeaderName.toLowerCase()]: value } : {};
  }

  get id(): string {
    return this.cfg.id;
  }

  get free(): boolean {
    return this.used < this.cfg.maxInFlight;
  }

  has(model: string): boolean {
    return !this.cfg.models || this.cfg.models.includes(model);
  }

  wsUrl(): string {
    return `${this.cfg.baseUrl.replace(/^http/, 'ws')}/ws?clientId=${encodeURIComponent(this.clientId)}`;
  }

  async call(method: string, path: string, opts: { json?: unknown; body?: Buffer; contentType?: string; timeoutMs?: number; fresh?: boolean } = {}): Promise<UpstreamResponse> {
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'reelay-comfyui', ...this.authHeaders };
    let body = opts.body;
    if (opts.json !== undefined) {
      body = Buffer.from(JSON.stringify(opts.json));
      headers['content-type'] = 'application/json';
    } else if (opts.contentType) headers['content-type'] = opts.contentType;
    try {
      const res = await send({ method, url: new URL(this.cfg.baseUrl + path), headers, body, timeoutMs: opts.timeoutMs ?? this.cfg.requestTimeoutMs, agent: opts.fresh ? false : this.agent });
      this.up = true;
      return res;
    } catch (err) {
      if (err instanceof TransportError && !err.sent) this.up = false;
      throw err;
    }
  }

  /** POST /prompt with reelay's own prompt id, once, on a fresh connection; classifies the answer. */
  async submit(graph: Graph, promptId: string): Promise<SubmitOutcome> {
    let res: UpstreamResponse;
    try {
      res = await this.call('POST', '/prompt', { json: { prompt: graph, client_id: this.clientId, prompt_id: promptId }, timeoutMs: this.cfg.submitTimeoutMs, fresh: true });
    } catch (err) {
      if (err instanceof TransportError) {
        return err.sent
          ? { kind: 'unknown', message: `the prompt was sent but no answer came (${err.code}: ${err.message})` }
          : { kind: 'refused', message: `could not reach the server (${err.code}: ${err.message})` };
      }
      throw err;
    }
    if (res.status === 200 && isObject(res.json) && typeof res.json.prompt_id === 'string') {
      // A server too old to take our id answers with its own: that one is the truth.
      return { kind: 'accepted', promptId: res.json.prompt_id };
    }
    if (res.status === 200) return { kind: 'unknown', message: 'the server answered without a prompt_id' };
    if (res.status === 429 || res.status >= 500) return { kind: 'busy', message: `HTTP ${res.status}: ${validationMessage(res.json, res.text.slice(0, 300))}` };
    return { kind: 'rejected', message: validationMessage(res.json, `HTTP ${res.status}: ${res.text.slice(0, 300)}`) };
  }

  /** The prompt's history entry once it has finished (success or error), else null. */
  async history(promptId: string): Promise<HistoryEntry | null> {
    const res = await this.call('GET', `/history/${encodeURIComponent(promptId)}`);
    if (res.status !== 200) throw new TransportError(`GET /history answered HTTP ${res.status}`, true, `HTTP${res.status}`);
    const entry = isObject(res.json) ? res.json[promptId] : undefined;
    if (!isObject(entry)) return null;
    return { outputs: isObject(entry.outputs) ? (entry.outputs as HistoryEntry['outputs']) : {}, status: isObject(entry.status) ? (entry.status as HistoryEntry['status']) : undefined };
  }

  /** Prompt ids running and waiting on the server (every client's). */
  async queue(): Promise<{ running: string[]; pending: string[] }> {
    const res = await this.call('GET', '/queue');
    if (res.status !== 200 || !isObject(res.json)) throw new TransportError(`GET /queue answered HTTP ${res.status}`, true, `HTTP${res.status}`);
    const ids = (v: unknown) => (Array.isArray(v) ? v.map((item) => (Array.isArray(item) ? String(item[1]) : '')).filter(Boolean) : []);
    return { running: ids(res.json.queue_running), pending: ids(res.json.queue_pending) };
  }

  /** Where the server has the prompt; throws when it cannot be asked. */
  async whereabouts(promptId: string): Promise<Whereabouts> {
    const q = await this.queue();
    if (q.running.includes(promptId)) return 'running';
    if (q.pending.includes(promptId)) return 'pending';
    // Finished between the two looks, or long ago.
    if (await this.history(promptId)) return 'history';
    const again = await this.queue();
    if (again.running.includes(promptId)) return 'running';
    if (again.pending.includes(promptId)) return 'pending';
    return 'absent';
  }

  /** Stops a prompt: removed from the queue when waiting, interrupted when running (only if it is ours that runs). */
  async cancel(promptId: string): Promise<Whereabouts> {
    const where = await this.whereabouts(promptId);
    if (where === 'pending') await this.call('POST', '/queue', { json: { delete: [promptId] } });
    if (where === 'running') {
      // Newer servers interrupt only the named prompt; older ones whatever runs, which we just saw is ours.
      await this.call('POST', '/interrupt', { json: { prompt_id: promptId } });
      // It may have been waiting behind another and started meanwhile: take it out of the queue too.
      await this.call('POST', '/queue', { json: { delete: [promptId] } }).catch(() => {});
    }
    return where;
  }

  /** Uploads the reference image under a name of our own (overwritten on a retry); returns the name the graph must use. */
  async uploadImage(path: string, filename: string): Promise<{ name: string; subfolder: string }> {
    const { body, contentType } = multipart([
      ['image', { filename, contentType: 'image/png', data: await readFile(path) }],
      ['type', 'input'],
      ['subfolder', 'reelay'],
      ['overwrite', 'true'],
    ]);
    const res = await this.call('POST', '/upload/image', { body, contentType, timeoutMs: this.cfg.submitTimeoutMs });
    if (res.status !== 200 || !isObject(res.json) || typeof res.json.name !== 'string') {
      throw new TransportError(`POST /upload/image answered HTTP ${res.status}: ${res.text.slice(0, 200)}`, true, `HTTP${res.status}`);
    }
    return { name: res.json.name, subfolder: typeof res.json.subfolder === 'string' ? res.json.subfolder : '' };
  }

  /** Removes an uploaded input where the server has a route for it (deleteInputPath); false otherwise. */
  async deleteInput(name: string, subfolder: string): Promise<boolean> {
    if (!this.cfg.deleteInputPath) return false;
    const path = this.cfg.deleteInputPath.replace('{filename}', encodeURIComponent(name)).replace('{subfolder}', encodeURIComponent(subfolder));
    try {
      const res = await this.call('DELETE', path, { timeoutMs: Math.min(10_000, this.cfg.requestTimeoutMs) });
      return res.status < 300;
    } catch (err) {
      this.log.warn({ comfyui: this.id, err: (err as Error).message }, 'could not delete an uploaded input');
      return false;
    }
  }

  /** Streams one output file from /view to `dest`; cuts, stalls and 5xx are retryable. */
  async download(file: OutputFile, dest: string, signal: AbortSignal): Promise<number> {
    const q = new URLSearchParams({ filename: file.filename, subfolder: file.subfolder ?? '', type: file.type || 'output' });
    let res: http.IncomingMessage;
    try {
      res = await open({ method: 'GET', url: new URL(`${this.cfg.baseUrl}/view?${q}`), headers: { 'user-agent': 'reelay-comfyui', ...this.authHeaders }, timeoutMs: this.cfg.requestTimeoutMs, agent: this.downloadAgent, signal });
    } catch (err) {
      throw new DownloadError(`download failed: ${(err as Error).message}`, true);
    }
    const status = res.statusCode ?? 0;
    if (status !== 200) {
      res.resume();
      throw new DownloadError(`GET /view answered HTTP ${status} for ${file.filename}`, status === 404 || status === 429 || status >= 500);
    }
    return receiveToFile(res, dest, { maxBytes: this.cfg.maxDownloadBytes, idleTimeoutMs: this.cfg.downloadIdleTimeoutMs, what: `the output ${file.filename}` });
  }
}

export { TransportError };
