// A small HTTP client for any server that speaks /v1/videos (reelay or another compatible one).
// It knows the wire format only; the commands decide what to do with the answers.
import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import { CliError, EXIT } from './errors.js';

export interface Video {
  id: string;
  object: 'video';
  model: string;
  status: 'queued' | 'in_progress' | 'completed' | 'failed';
  progress: number;
  created_at: number;
  completed_at: number | null;
  expires_at: number | null;
  prompt: string | null;
  size: string;
  seconds: string;
  remixed_from_video_id: string | null;
  error: { code: string; message: string } | null;
}

export interface VideoList {
  object: 'list';
  data: Video[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

export interface ClientOptions {
  baseUrl?: string;
  apiKey?: string;
}

export const DEFAULT_BASE_URL = 'http://127.0.0.1:8080/v1';

/** --base-url, else $REELAY_BASE_URL, else $OPENAI_BASE_URL; a URL without a path gets /v1. */
export function resolveBaseUrl(flag?: string, env = process.env): string {
  const raw = (flag || env.REELAY_BASE_URL || env.OPENAI_BASE_URL || DEFAULT_BASE_URL).replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(`not a URL: ${raw}`, EXIT.usage);
  }
  return url.pathname === '/' || url.pathname === '' ? `${url.origin}/v1` : raw;
}

export function resolveApiKey(flag?: string, env = process.env): string | undefined {
  return flag || env.REELAY_API_KEY || env.OPENAI_API_KEY || undefined;
}

const isTerminal = (v: Video) => v.status === 'completed' || v.status === 'failed';
export { isTerminal };

export class Client {
  readonly baseUrl: string;
  private readonly apiKey: string | undefined;

  constructor(opts: ClientOptions = {}) {
    this.baseUrl = resolveBaseUrl(opts.baseUrl);
    this.apiKey = resolveApiKey(opts.apiKey);
  }

  /** A request to `path` under the base URL; non-2xx answers become a CliError with the server's message. */
  async request(method: string, path: string, init: { json?: unknown; form?: FormData; signal?: AbortSignal; headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    let body: string | FormData | undefined;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    } else if (init.form) body = init.form;
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, { method, headers, body, signal: init.signal });
    } catch (err) {
      if (init.signal?.aborted) throw err;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(`could not reach ${this.baseUrl}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, EXIT.general);
    }
    if (!res.ok) throw await errorFrom(res);
    return res;
  }

  async json<T>(method: string, path: string, init: Parameters<Client['request']>[2] = {}): Promise<{ body: T; res: Response }> {
    const res = await this.request(method, path, init);
    return { body: (await res.json()) as T, res };
  }

  createVideo(form: FormData) {
    return this.json<Video>('POST', '/videos', { form });
  }
  getVideo(id: string) {
    return this.json<Video>('GET', `/videos/${encodeURIComponent(id)}`);
  }
  listVideos(q: { limit?: number; after?: string; order?: string }) {
    const qs = new URLSearchParams();
    if (q.limit !== undefined) qs.set('limit', String(q.limit));
    if (q.after) qs.set('after', q.after);
    if (q.order) qs.set('order', q.order);
    return this.json<VideoList>('GET', `/videos${qs.size ? `?${qs}` : ''}`);
  }
  deleteVideo(id: string) {
    return this.json<{ id: string; object: string; deleted: boolean }>('DELETE', `/videos/${encodeURIComponent(id)}`);
  }
  remix(id: string, prompt: string) {
    return this.json<Video>('POST', `/videos/${encodeURIComponent(id)}/remix`, { json: { prompt } });
  }
  edit(form: FormData) {
    return this.json<Video>('POST', '/videos/edits', { form });
  }
  extend(form: FormData) {
    return this.json<Video>('POST', '/videos/extensions', { form });
  }
  content(id: string, variant: string, signal?: AbortSignal) {
    return this.request('GET', `/videos/${encodeURIComponent(id)}/content?variant=${encodeURIComponent(variant)}`, { signal });
  }
  createCharacter(form: FormData) {
    return this.json<{ id: string; name: string; created_at: number }>('POST', '/videos/characters', { form });
  }
  getCharacter(id: string) {
    return this.json<{ id: string; name: string; created_at: number }>('GET', `/videos/characters/${encodeURIComponent(id)}`);
  }
  models() {
    return this.json<{ object: 'list'; data: Array<{ id: string; owned_by: string; capabilities?: { sizes?: string[]; seconds?: string[] } }> }>('GET', '/models');
  }

  /** The events stream (a reelay extension); null when the server has none. */
  async events(id: string, signal: AbortSignal): Promise<Response | null> {
    try {
      const res = await this.request('GET', `/videos/${encodeURIComponent(id)}/events`, { signal, headers: { accept: 'text/event-stream' } });
      if (!res.headers.get('content-type')?.startsWith('text/event-stream')) {
        await res.body?.cancel();
        return null;
      }
      return res;
    } catch (err) {
      if (err instanceof CliError && (err.status === 404 || err.status === 405)) {
        // 404 is also what a server without the extension answers; the caller checks with a get.
        return null;
      }
      throw err;
    }
  }
}

/** A file from disk as a multipart part, streamed rather than read whole. */
export async function fileBlob(path: string): Promise<{ blob: Blob; name: string }> {
  try {
    return { blob: await openAsBlob(path), name: basename(path) };
  } catch (err) {
    throw new CliError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, EXIT.usage);
  }
}

async function errorFrom(res: Response): Promise<CliError> {
  const text = await res.text().catch(() => '');
  let envelope: { error?: { message?: string; code?: string | null } } | null = null;
  try {
    envelope = JSON.parse(text);
  } catch {
    /* not JSON: show the text */
  }
  const message = envelope?.error?.message ?? (text.trim().slice(0, 500) || res.statusText);
  return new CliError(message, exitFor(res.status), { status: res.status, body: envelope ?? undefined });
}

function exitFor(status: number): number {
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  if (status === 400 || status === 413 || status === 415 || status === 422) return EXIT.usage;
  return EXIT.general;
}
