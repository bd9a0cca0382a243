// The poll lane: GET /v1/videos/{id} of a finished video, answered before fastify sees it.
//
// Apps poll, and most polls ask about a video that has finished: its record and JSON are in
// memory and never change until it is deleted or expires. When the key, the video and its body
// are all in memory, this lane writes the response the route would write (same status, headers
// and body; the same request count and log line) without fastify's routing, hook runners and
// reply pipeline, which on such a poll cost more than everything reelay itself does.
// Everything else goes to fastify unchanged: a key not seen yet, a video still rendering or not
// found, a rate-limit refusal, a query string, another method, a browser's cross-origin request,
// and every request once the server is closing.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from './auth.js';
import type { RateDecision } from './rate-limit.js';
import type { VideoRecord } from '../store/index.js';

/** The route this lane answers, as fastify names it in metrics and logs. */
export const POLL_ROUTE = '/v1/videos/:id';
const PREFIX = '/v1/videos/';

export interface PollLaneDeps {
  /** The key's principal when it is in memory (never waits, never throws). */
  principal(authorization: string | undefined): Principal | undefined;
  /** The finished video when it is in memory. */
  finished(projectId: string, id: string): VideoRecord | undefined;
  body(v: VideoRecord): string;
  /** null when the project has no rate limit. */
  rate(principal: Principal): RateDecision | null;
  nextRequestId(): string;
  /** The response's bookkeeping, shared with fastify's onSend hook. */
  record(reqId: string, method: string, route: string, status: number, ms: number): void;
  closing(): boolean;
}

/** Returns a handler that answers the request and returns true, or returns false and touches nothing. */
export function pollLane(deps: PollLaneDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (req.method !== 'GET') return false;
    if (req.headers.origin !== undefined) return false; // a browser's request: CORS headers are the hooks' job
    const url = req.url!;
    // Only /v1/videos/{id} exactly: no further segment, trailing slash, query or escapes.
    if (!url.startsWith(PREFIX) || url.length === PREFIX.length || /[/?%#]/.test(url.slice(PREFIX.length))) return false;
    if (deps.closing()) return false;
    const startedAt = performance.now();
    const principal = deps.principal(req.headers.authorization);
    if (principal === undefined) return false;
    const video = deps.finished(principal.projectId, url.slice(PREFIX.length));
    if (video === undefined) return false;
    const rate = deps.rate(principal);
    if (rate?.error) return false; // the refusal is written by the ordinary path (a refused take uses no token)
    const body = deps.body(video);
    const reqId = deps.nextRequestId();
    const ms = performance.now() - startedAt;
    const headers: Record<string, string | number> = {
      'x-request-id': reqId,
      ...rate?.headers,
      'content-type': 'application/json; charset=utf-8',
      'openai-processing-ms': String(ms | 0),
      'content-length': Buffer.byteLength(body),
    };
    res.writeHead(200, headers);
    res.end(body);
    deps.record(reqId, 'GET', POLL_ROUTE, 200, ms);
    return true;
  };
}
