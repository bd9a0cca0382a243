// CORS for /v1, so a web app on another origin can call reelay with a key. Off (every
// preflight refused, no CORS headers) unless `corsOrigins` lists origins. Keys travel in the Authorization header, never in cookies, so
// credentials are not allowed and the allowed origin is always echoed, never `*`.
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError } from '../videos/index.js';

/** What a browser app must be able to read from a response. */
const EXPOSED = [
  'x-request-id',
  'openai-processing-ms',
  'openai-poll-after-ms',
  'openai-version',
  'x-ratelimit-limit-requests',
  'x-ratelimit-remaining-requests',
  'x-ratelimit-reset-requests',
  'retry-after',
  'retry-after-ms',
  'x-should-retry',
  'idempotent-replayed',
  'content-length',
  'content-range',
  'accept-ranges',
  'etag',
].join(', ');

const METHODS = 'GET, HEAD, POST, DELETE, OPTIONS';
// Asked for by the official SDK and by Range/conditional downloads; anything else a preflight
// names is refused by the browser itself when not echoed, so only these are allowed.
const ALLOWED_REQUEST_HEADERS = new Set([
  'authorization',
  'content-type',
  'accept',
  'idempotency-key',
  'range',
  'if-none-match',
  'if-range',
  'openai-organization',
  'openai-project',
  'x-request-id',
]);
const allowedRequestHeader = (h: string) => ALLOWED_REQUEST_HEADERS.has(h) || h.startsWith('x-stainless-') || h.startsWith('openai-');

export interface Cors {
  /** Headers to add to an actual /v1 response from `origin` (empty when it is not allowed). */
  headers(origin: string | undefined): Record<string, string>;
  /** The answer to a preflight: status and headers, or an ApiError when the origin is refused. */
  preflight(headers: IncomingHttpHeaders): { status: number; headers: Record<string, string> } | ApiError;
}

export function cors(origins: string[]): Cors {
  const any = origins.includes('*');
  const allowed = new Set(origins);
  const ok = (origin: string | undefined): origin is string => origin !== undefined && (any || allowed.has(origin));
  return {
    headers(origin): Record<string, string> {
      if (!ok(origin)) return {};
      return { 'access-control-allow-origin': origin, 'access-control-expose-headers': EXPOSED, vary: 'Origin' };
    },
    preflight(h) {
      const origin = h.origin;
      if (!ok(origin)) {
        const why = origins.length === 0 ? 'cross-origin requests are off (see the corsOrigins setting)' : 'it is not in the corsOrigins setting';
        return new ApiError(403, `Origin '${String(origin).slice(0, 200)}' may not call this server: ${why}.`, 'invalid_request_error', null, 'cors_origin_not_allowed');
      }
      const asked = String(h['access-control-request-headers'] ?? '')
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean);
      return {
        status: 204,
        headers: {
          'access-control-allow-origin': origin,
          'access-control-allow-methods': METHODS,
          'access-control-allow-headers': asked.filter(allowedRequestHeader).join(', '),
          'access-control-max-age': '600',
          vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
        },
      };
    },
  };
}
