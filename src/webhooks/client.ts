// One webhook POST: the connect-time guarded lookup (no DNS rebinding between check and connect),
// a fresh connection per attempt, no redirects followed, a hard deadline on the whole exchange,
// and at most a little of the response read.
import http from 'node:http';
import https from 'node:https';
import { EPRIVATE, guardedLookup } from '../net/index.js';
import { checkUrl } from './destination.js';

export interface PostOptions {
  allowPrivate: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** The receiver answered (any status), or the attempt failed before it did (error says why). */
export type PostResult = { statusCode: number; error: null } | { statusCode: null; error: string };

const MAX_RESPONSE_BYTES = 64 * 1024;

export function postJson(rawUrl: string, body: string, headers: Record<string, string>, opts: PostOptions): Promise<PostResult> {
  let url: URL;
  try {
    url = checkUrl(rawUrl, opts.allowPrivate);
  } catch (err) {
    return Promise.resolve({ statusCode: null, error: `refused: ${(err as Error).message}` });
  }
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      opts.signal?.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(r);
    };
    const req = lib.request(url, {
      method: 'POST',
      agent: false,
      lookup: guardedLookup(opts.allowPrivate),
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
    }, (res) => {
      // The status is what counts; the body is read (a little) only so the receiver can finish.
      let read = 0;
      res.on('data', (c: Buffer) => {
        read += c.length;
        if (read > MAX_RESPONSE_BYTES) done({ statusCode: res.statusCode ?? 0, error: null });
      });
      res.on('end', () => done({ statusCode: res.statusCode ?? 0, error: null }));
      res.on('error', () => done({ statusCode: res.statusCode ?? 0, error: null }));
    });
    const deadline = setTimeout(() => done({ statusCode: null, error: `timeout: no answer within ${opts.timeoutMs} ms` }), opts.timeoutMs);
    const onAbort = () => done({ statusCode: null, error: 'aborted' });
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === EPRIVATE) done({ statusCode: null, error: `refused: ${err.message}` });
      else done({ statusCode: null, error: `${err.code ?? 'error'}: ${err.message}` });
    });
    req.end(body);
  });
}
