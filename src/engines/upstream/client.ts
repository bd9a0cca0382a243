// One upstream server: its connection pool, its rate limit, its in-flight cap, and the calls reelay makes.
import http from 'node:http';
import https from 'node:https';
import { open as openFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { UpstreamConfig } from './config.js';
import { open, send, TransportError, type UpstreamResponse } from './http.js';
import { TokenBucket, Semaphore } from './limiter.js';
import { isObject } from './normalise.js';
import { DownloadError, receiveToFile } from './download.js';

export type AssetVariant = 'video' | 'thumbnail' | 'spritesheet';

export { DownloadError };

export class UpstreamClient {
  readonly limiter: TokenBucket;
  readonly inFlight: Semaphore;
  /** Creates on the wire at once: a burst of fresh connections must not overflow the upstream's accept queue. */
  readonly submitting = new Semaphore(8);
  private readonly agent: http.Agent;
  /** Downloads ride their own connections so a finished job never waits behind thousands of polls. */
  private readonly downloadAgent: http.Agent;
  private readonly base: string;

  constructor(
    readonly cfg: UpstreamConfig,
    private readonly log: Logger,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.limiter = new TokenBucket(cfg.requestsPerSecond);
    this.inFlight = new Semaphore(cfg.maxInFlight);
    const Agent = cfg.baseUrl.startsWith('https:') ? https.Agent : http.Agent;
    this.agent = new Agent({ keepAlive: true, maxSockets: cfg.maxConnections, maxFreeSockets: cfg.maxConnections });
    this.downloadAgent = new Agent({ keepAlive: true, maxSockets: 8, maxFreeSockets: 2 });
    this.base = cfg.baseUrl;
    const key = cfg.apiKeyEnv ? env[cfg.apiKeyEnv] : undefined;
    this.auth = key ? { authorization: `Bearer ${key}` } : {};
  }

  private readonly auth: Record<string, string>;

  get id(): string {
    return this.cfg.id;
  }

  url(path: string): URL {
    return new URL(this.base + path);
  }

  /** One rate-limited request with a small body. */
  async call(
    method: string,
    path: string,
    opts: { body?: Buffer; contentType?: string; timeoutMs?: number; fresh?: boolean; headers?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<UpstreamResponse> {
    await this.limiter.take(opts.signal);
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'reelay-upstream', ...this.auth, ...opts.headers };
    if (opts.contentType) headers['content-type'] = opts.contentType;
    return send({
      method,
      url: this.url(path),
      headers,
      body: opts.body,
      timeoutMs: opts.timeoutMs ?? this.cfg.requestTimeoutMs,
      agent: opts.fresh ? false : this.agent,
      signal: opts.signal,
    });
  }

  retrieve(upstreamId: string, signal?: AbortSignal): Promise<UpstreamResponse> {
    return this.call('GET', `/videos/${encodeURIComponent(upstreamId)}`, { signal });
  }

  /** The upstream's newest jobs, or null when it cannot list them. */
  async listRecent(): Promise<unknown[] | null> {
    if (!this.cfg.listJobs) return null;
    const res = await this.call('GET', '/videos?limit=100&order=desc');
    if (res.status !== 200 || !isObject(res.json) || !Array.isArray(res.json.data)) return null;
    return res.json.data;
  }

  /** Best effort: asks the upstream to cancel (and forget) a job. */
  async cancel(upstreamId: string): Promise<boolean> {
    if (!this.cfg.cancel) return false;
    try {
      const res = await this.call('DELETE', `/videos/${encodeURIComponent(upstreamId)}`, { timeoutMs: Math.min(this.cfg.requestTimeoutMs, 10_000) });
      return res.status < 300;
    } catch (err) {
      this.log.warn({ upstream: this.id, upstream_id: upstreamId, err: (err as Error).message }, 'upstream cancel failed');
      return false;
    }
  }

  /**
   * Streams one variant of a finished job to `dest` without holding it in memory. Checks the status, the
   * length against Content-Length and the size cap; a stall or a cut is a retryable DownloadError.
   */
  async download(upstreamId: string, variant: AssetVariant, dest: string, signal: AbortSignal): Promise<{ bytes: number; contentType: string }> {
    await this.limiter.take(signal);
    const query = this.cfg.variants ? `?variant=${variant}` : '';
    let res: http.IncomingMessage;
    try {
      res = await open({
        method: 'GET',
        url: this.url(`/videos/${encodeURIComponent(upstreamId)}/content${query}`),
        headers: { 'user-agent': 'reelay-upstream', ...this.auth },
        timeoutMs: this.cfg.requestTimeoutMs,
        agent: this.downloadAgent,
        signal,
      });
    } catch (err) {
      throw new DownloadError(`download failed: ${(err as Error).message}`, true);
    }
    const status = res.statusCode ?? 0;
    if (status !== 200) {
      res.resume();
      // 404/409/425: not there yet (vLLM-Omni answers 404 while in progress); 5xx/429: the server's trouble.
      const retry = status === 404 || status === 409 || status === 425 || status === 429 || status >= 500;
      throw new DownloadError(`the upstream answered HTTP ${status} for the ${variant}`, retry);
    }
    const bytes = await receiveToFile(res, dest, { maxBytes: this.cfg.maxDownloadBytes, idleTimeoutMs: this.cfg.downloadIdleTimeoutMs, what: `the upstream's ${variant}` });
    return { bytes, contentType: String(res.headers['content-type'] ?? '') };
  }
}

export type FileKind = 'mp4' | 'webp' | 'jpeg' | 'png' | 'other';

/** What a file is, by its first bytes (never by the label the upstream put on it). */
export async function sniff(path: string): Promise<FileKind> {
  const fh = await openFile(path, 'r');
  try {
    const head = Buffer.alloc(16);
    const { bytesRead } = await fh.read(head, 0, 16, 0);
    const b = head.subarray(0, bytesRead);
    if (b.length >= 8 && ['ftyp', 'moov', 'mdat', 'free', 'wide', 'skip'].includes(b.toString('latin1', 4, 8))) return 'mp4';
    if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'webp';
    if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
    if (b.length >= 8 && b.readUInt32BE(0) === 0x89504e47) return 'png';
    return 'other';
  } finally {
    await fh.close();
  }
}

export { TransportError };
