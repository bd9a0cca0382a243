// Per-project request rate limits: a token bucket per project, refilled continuously, answered
// with OpenAI's x-ratelimit-* headers. Buckets live in this process (each replica counts its own).
import { ApiError } from '../videos/index.js';

interface Bucket {
  perMinute: number;
  tokens: number;
  at: number;
}

export interface RateDecision {
  headers: Record<string, string>;
  /** Set when the request must be refused. */
  error: ApiError | null;
}

/** Durations as OpenAI writes them in x-ratelimit-reset-*: "20ms", "1.5s", "6m0s". */
export function formatDuration(ms: number): string {
  const whole = Math.max(0, Math.ceil(ms));
  if (whole < 1000) return `${whole}ms`;
  const minutes = Math.floor(whole / 60_000);
  const seconds = Number(((whole % 60_000) / 1000).toFixed(3));
  return minutes > 0 ? `${minutes}m${seconds}s` : `${seconds}s`;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  /** One request of the project against its limit of `perMinute` (a changed limit starts a full bucket). */
  take(projectId: string, perMinute: number, now = Date.now()): RateDecision {
    let b = this.buckets.get(projectId);
    if (!b || b.perMinute !== perMinute) this.buckets.set(projectId, (b = { perMinute, tokens: perMinute, at: now }));
    const perMs = perMinute / 60_000;
    b.tokens = Math.min(perMinute, b.tokens + (now - b.at) * perMs);
    b.at = now;
    const allowed = b.tokens >= 1;
    if (allowed) b.tokens -= 1;
    const headers: Record<string, string> = {
      'x-ratelimit-limit-requests': String(perMinute),
      'x-ratelimit-remaining-requests': String(Math.floor(b.tokens)),
      'x-ratelimit-reset-requests': formatDuration((perMinute - b.tokens) / perMs),
    };
    if (allowed) return { headers, error: null };
    const waitMs = Math.ceil((1 - b.tokens) / perMs);
    const error = new ApiError(
      429,
      `Rate limit reached for requests in this project: limit ${perMinute} per minute. Please try again in ${formatDuration(waitMs)}.`,
      'requests',
      null,
      'rate_limit_exceeded',
      { ...headers, 'retry-after': String(Math.ceil(waitMs / 1000)), 'retry-after-ms': String(waitMs) },
    );
    return { headers, error };
  }
}
