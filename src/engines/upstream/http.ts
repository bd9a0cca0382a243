// HTTP to an upstream on node:http, so reelay knows whether a request left in full before it failed:
// that is the line between "definitely not accepted" (safe to retry or fail over) and "outcome unknown".
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { randomBytes } from 'node:crypto';
import { parseJson } from './normalise.js';

export class TransportError extends Error {
  constructor(
    message: string,
    /** The whole request was handed to the network before it failed: the upstream may have acted on it. */
    readonly sent: boolean,
    readonly code: string,
  ) {
    super(message);
  }
}

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** undefined when the body is not JSON. */
  json: unknown;
}

export interface RequestOptions {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: Buffer;
  timeoutMs: number;
  /** false: a fresh connection (submits never ride a keep-alive socket the server may have just closed). */
  agent: http.Agent | false;
  signal?: AbortSignal;
}

const MAX_JSON_BYTES = 4 * 1024 * 1024;

/** Sends a request and resolves with the response headers; the body is the caller's to read. */
export function open(opts: RequestOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const mod = opts.url.protocol === 'https:' ? https : http;
    let sent = false;
    let settled = false;
    const headers = { ...opts.headers };
    if (opts.body) headers['content-length'] = String(opts.body.length);
    const req = mod.request(opts.url, { method: opts.method, headers, agent: opts.agent, signal: opts.signal });
    const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${opts.timeoutMs} ms`), { code: 'ETIMEDOUT' })), opts.timeoutMs);
    req.on('finish', () => (sent = true));
    req.on('response', (res) => {
      clearTimeout(timer);
      settled = true;
      resolve(res);
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (settled) return;
      settled = true;
      reject(new TransportError(err.message, sent, err.code ?? err.name ?? 'ERR'));
    });
    req.end(opts.body);
  });
}

/** A whole small response (JSON bodies); bodies beyond 4 MiB are cut and count as a transport error. */
export async function send(opts: RequestOptions): Promise<UpstreamResponse> {
  const res = await open(opts);
  // Plain events, one timer: this runs for every status poll, so it stays lean.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (err: TransportError) => {
      clearTimeout(timer);
      res.destroy();
      reject(err);
    };
    const timer = setTimeout(() => fail(new TransportError('body timed out', true, 'ETIMEDOUT')), opts.timeoutMs);
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_JSON_BYTES) return fail(new TransportError('response body too large', true, 'ETOOBIG'));
      chunks.push(chunk);
    });
    res.on('error', (e: NodeJS.ErrnoException) => fail(new TransportError(`response cut: ${e.message}`, true, e.code ?? 'ECONNRESET')));
    res.on('aborted', () => fail(new TransportError('response cut', true, 'ECONNRESET')));
    res.on('end', () => {
      clearTimeout(timer);
      if (size > MAX_JSON_BYTES) return;
      const text = chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
      resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parseJson(text) });
    });
  });
}

type FormValue = string | { filename: string; contentType: string; data: Buffer };

/** multipart/form-data with bracketed keys for nested objects (video[id]); objects in extra fields go as JSON text. */
export function multipart(fields: [string, FormValue][]): { body: Buffer; contentType: string } {
  const boundary = `reelay-${randomBytes(12).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const [name, value] of fields) {
    const safe = name.replace(/["\r\n]/g, '_');
    if (typeof value === 'string') {
      parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${safe}"\r\n\r\n${value}\r\n`));
    } else {
      const file = value.filename.replace(/["\r\n]/g, '_');
      parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${safe}"; filename="${file}"\r\nContent-Type: ${value.contentType}\r\n\r\n`));
      parts.push(value.data, Buffer.from('\r\n'));
    }
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

export const formText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
