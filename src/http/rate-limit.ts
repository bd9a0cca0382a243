// Per-project request rate limits: a token bucket per project, refilled continuously, answered
// with OpenAI's x-ratelimit-* headers. Buckets live in this process (each replica counts its own).
import { ApiError } from '../videos/index.js';

interface Bucket {
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
  private readonly perMs: number;

  constructor(private readonly perMinute: number) {
    this.perMs = perMinute / 60_000;
  }

  take(projectId: string, now = Date.now()): RateDecision {
    const b = this.buckets.get(projectId) ?? { tokens: this.perMinute, at: now };
    b.tokens = Math.min(this.perMinute, b.tokens + (now - b.at) * this.perMs);
    b.at = now;
    this.buckets.set(projectId, b);
    const allowed = b.tokens >= 1;
    if (allowed) b.tokens -= 1;
    const headers: Record<string, string> = {
      'x-ratelimit-limit-requests': String(this.perMinute),
      'x-ratelimit-remaining-requests': String(Math.floor(b.tokens)),
      'x-ratelimit-reset-requests': formatDuration((this.perMinute - b.tokens) / this.perMs),
    };
    if (allowed) return { headers, error: null };
    const waitMs = Math.ceil((1 - b.tokens) / this.perMs);
    const error = new ApiError(
      429,
      `Rate limit reached for requests in this project: limit ${this.perMinute} per minute. Please try again in ${formatDuration(waitMs)}.`,
      'requests',
      null,
      'rate_limit_exceeded',
      { ...headers, 'retry-after': String(Math.ceil(waitMs / 1000)), 'retry-after-ms': String(waitMs) },
    );
    return { headers, error };
  }
}
