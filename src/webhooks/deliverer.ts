// The deliverer: its own loop, off the request path. Every poll (and whenever a job finishes) it
// claims due deliveries from the outbox, at most `maxInFlight` per endpoint, and sends each one
// signed. Any 2xx is delivered; 410 Gone disables the endpoint; anything else (a 3xx included:
// redirects are not followed, a timeout, a refused address) is retried with exponential backoff
// and jitter until `maxAgeMs` after the event, with the same webhook-id (the event id) every time.
// A claim is a lease: an attempt cut off by a crash is due again once it lapses.
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { AttemptOutcome, DueDelivery, WebhookStore } from '../store/index.js';
import { postJson } from './client.js';
import { signatureHeader } from './signing.js';

export interface DelivererOptions {
  allowPrivate: boolean;
  /** Per attempt. */
  timeoutMs: number;
  /** First retry after about this long; each later one waits twice as long (at most MAX_DELAY_MS). */
  retryBaseMs: number;
  /** Retries stop this long after the event was written (or redelivered). */
  maxAgeMs: number;
  /** Attempts in flight per endpoint: a slow endpoint waits on itself, never on another. */
  maxInFlight: number;
  /** How often the outbox is read (redeliveries from the CLI, retries coming due). */
  pollMs?: number;
  /** Attempts in flight in all. */
  maxConcurrent?: number;
}

export interface DelivererHooks {
  onAttempt?(outcome: AttemptOutcome): void;
}

const MAX_DELAY_MS = 3600_000;
const VERSION = (() => {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0';
  }
})();
export const USER_AGENT = `reelay/${VERSION} (webhooks)`;

/** The wait after the `attempt`-th failed attempt: base * 2^(attempt-1), capped, times 0.5-1.5 (jitter). */
export function retryDelayMs(attempt: number, baseMs: number, random = Math.random()): number {
  return Math.min(MAX_DELAY_MS, baseMs * 2 ** Math.max(0, attempt - 1)) * (0.5 + random);
}

export class Deliverer {
  private readonly inFlight = new Map<string, number>();
  private readonly attempts = new Map<number, { ac: AbortController; done: Promise<void> }>();
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private again = false;
  private stopping = false;
  private readonly pollMs: number;
  private readonly maxConcurrent: number;

  constructor(
    private readonly store: WebhookStore,
    private readonly opts: DelivererOptions,
    private readonly log: Logger,
    private readonly hooks: DelivererHooks = {},
  ) {
    this.pollMs = opts.pollMs ?? 1000;
    this.maxConcurrent = opts.maxConcurrent ?? 64;
  }

  start(): void {
    this.stopping = false;
    const loop = () => {
      this.timer = setTimeout(() => {
        this.wake();
        loop();
      }, this.pollMs);
      this.timer.unref();
    };
    loop();
    this.wake();
  }

  /** Look at the outbox now (a job just finished, an attempt freed a slot). */
  wake(): void {
    if (this.stopping) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = true;
    void this.tick().finally(() => {
      this.ticking = false;
      if (this.again) {
        this.again = false;
        setImmediate(() => this.wake());
      }
    });
  }

  private async tick(): Promise<void> {
    try {
      const now = Date.now();
      const due = await this.store.claimDue(now, now + this.opts.timeoutMs + 5000, this.maxConcurrent - this.attempts.size,
        this.opts.maxInFlight, Object.fromEntries(this.inFlight));
      for (const d of due) this.launch(d);
    } catch (err) {
      this.log.error({ err }, 'webhook outbox read failed');
    }
  }

  private launch(d: DueDelivery): void {
    const ac = new AbortController();
    if (this.stopping) ac.abort(); // claimed while stopping: given straight back
    this.inFlight.set(d.endpoint.id, (this.inFlight.get(d.endpoint.id) ?? 0) + 1);
    const done = this.attempt(d, ac.signal)
      .catch((err) => this.log.error({ err, event_id: d.eventId }, 'webhook attempt failed to record'))
      .finally(() => {
        this.attempts.delete(d.seq);
        const n = (this.inFlight.get(d.endpoint.id) ?? 1) - 1;
        if (n > 0) this.inFlight.set(d.endpoint.id, n);
        else this.inFlight.delete(d.endpoint.id);
        this.wake();
      });
    this.attempts.set(d.seq, { ac, done });
  }

  private async attempt(d: DueDelivery, signal: AbortSignal): Promise<void> {
    const at = Date.now();
    const timestamp = Math.floor(at / 1000);
    const res = await postJson(d.endpoint.url, d.payload, {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'webhook-id': d.eventId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signatureHeader(d.endpoint, d.eventId, timestamp, d.payload, at),
    }, { allowPrivate: this.opts.allowPrivate, timeoutMs: this.opts.timeoutMs, signal });
    if (signal.aborted) {
      // Shutdown: due again at the next start, and this attempt does not count.
      await this.store.releaseAttempt(d.seq, Date.now());
      return;
    }
    const durationMs = Date.now() - at;
    const code = res.statusCode;
    let outcome: AttemptOutcome;
    let error = res.error;
    let nextAttemptAt: number | null = null;
    if (code !== null && code >= 200 && code < 300) outcome = 'delivered';
    else if (code === 410) {
      outcome = 'disabled';
      error = 'the endpoint answered 410 Gone';
    } else {
      if (code !== null) error = code >= 300 && code < 400 ? `HTTP ${code} (redirects are not followed)` : `HTTP ${code}`;
      nextAttemptAt = Date.now() + retryDelayMs(d.attempt, this.opts.retryBaseMs);
      outcome = nextAttemptAt > d.startedAt + this.opts.maxAgeMs ? 'gave_up' : 'retry';
    }
    await this.store.recordAttempt(d.seq, { at, durationMs, statusCode: code, error, outcome, nextAttemptAt });
    this.hooks.onAttempt?.(outcome);
    const tag = { event_id: d.eventId, endpoint_id: d.endpoint.id, attempt: d.attempt, status: code, ms: durationMs };
    if (outcome === 'delivered') this.log.debug(tag, 'webhook delivered');
    else if (outcome === 'retry') this.log.info({ ...tag, error, retry_in_ms: nextAttemptAt! - Date.now() }, 'webhook attempt failed; retrying');
    else if (outcome === 'gave_up') this.log.warn({ ...tag, error }, 'webhook delivery gave up');
    else this.log.warn(tag, 'webhook endpoint answered 410 Gone: disabled');
  }

  /** Stops claiming, cuts attempts in flight short (each is due again at the next start) and waits for them. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const a of this.attempts.values()) a.ac.abort();
    while (this.ticking || this.attempts.size) {
      await Promise.all([...this.attempts.values()].map((a) => a.done));
      if (this.ticking) await new Promise((r) => setTimeout(r, 5));
    }
  }
}
