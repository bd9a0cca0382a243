// The one poll scheduler: every in-flight upstream job sits in a single min-heap ordered by its next
// poll time, served by a single timer. Polls honour openai-poll-after-ms and Retry-After, back off
// with jitter on errors, and go through each upstream's rate limiter.
import { EngineError } from '../engine.js';
import type { UpstreamClient } from './client.js';
import { errorMessage, failureCode, isObject, normaliseStatus, parseProgress, retryAfter, waitHint } from './normalise.js';

interface Entry {
  client: UpstreamClient;
  upstreamId: string;
  due: number;
  deadline: number;
  errors: number;
  missing: number;
  done: boolean;
  signal: AbortSignal;
  onAbort: () => void;
  onProgress: (p: number) => void;
  resolve: (body: Record<string, unknown>) => void;
  reject: (err: unknown) => void;
}

export interface TrackOptions {
  /** Milliseconds before the first poll. */
  firstDelayMs: number;
  /** Epoch ms; a job not finished by then fails with upstream_timeout. */
  deadline: number;
  signal: AbortSignal;
  onProgress(percent: number): void;
}

const MIN_WAIT = 100;
const MAX_WAIT = 60_000;
/** Consecutive 404s on a job before reelay believes the upstream lost it. */
const LOST_AFTER = 3;

// Jitter spreads polls that were due together. It shortens reelay's own interval (so a finished job
// is seen within one interval) and lengthens an upstream's hint (which says "not before").
const shutdownError = () => new EngineError('shutdown', 'The server is shutting down.');
const jitterDown = (ms: number) => ms * (0.85 + Math.random() * 0.15);
const jitterUp = (ms: number) => ms * (1 + Math.random() * 0.1);
const clamp = (ms: number) => Math.min(MAX_WAIT, Math.max(MIN_WAIT, ms));

export class PollScheduler {
  private readonly heap: Entry[] = [];
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private stopped = false;
  /** Entries whose status request is on the wire (out of the heap meanwhile). */
  private readonly polling = new Set<Entry>();
  /** Status requests sent, for metrics and the bench. */
  polls = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Resolves with the upstream's body once the job completed; rejects with an EngineError otherwise. */
  track(client: UpstreamClient, upstreamId: string, opts: TrackOptions): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      if (opts.signal.aborted) return reject(opts.signal.reason);
      if (this.stopped) return reject(shutdownError());
      const e: Entry = {
        client, upstreamId, deadline: opts.deadline, errors: 0, missing: 0, done: false,
        due: Math.min(Date.now() + opts.firstDelayMs, opts.deadline),
        signal: opts.signal, onProgress: opts.onProgress, resolve, reject,
        onAbort: () => this.settle(e, () => reject(opts.signal.reason)),
      };
      opts.signal.addEventListener('abort', e.onAbort, { once: true });
      this.push(e);
    });
  }

  /**
   * The server is stopping: every tracked job lets go of its runner slot at once (nothing to finish
   * here; the upstream keeps working) and resumes polling from its checkpoint on the next start.
   */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const e of [...this.heap.splice(0), ...this.polling]) this.settle(e, () => e.reject(shutdownError()));
  }

  private settle(e: Entry, fn: () => void) {
    if (e.done) return;
    e.done = true;
    e.signal.removeEventListener('abort', e.onAbort);
    fn();
  }

  private reschedule(e: Entry, waitMs: number, hinted = false) {
    if (e.done) return;
    const wait = hinted ? jitterUp(clamp(waitMs)) : jitterDown(clamp(waitMs));
    e.due = Math.min(Date.now() + wait, Math.max(e.deadline, Date.now()));
    this.push(e);
  }

  private backoff(e: Entry, hinted: number | null) {
    e.errors++;
    const base = e.client.cfg.pollIntervalMs * 2 ** Math.min(e.errors, 6);
    this.reschedule(e, Math.max(hinted ?? 0, Math.min(MAX_WAIT, base)), hinted !== null);
  }

  private async poll(e: Entry): Promise<void> {
    this.polls++;
    this.polling.add(e);
    try {
      await this.pollOnce(e);
    } finally {
      this.polling.delete(e);
    }
  }

  private async pollOnce(e: Entry): Promise<void> {
    let res;
    try {
      res = await e.client.retrieve(e.upstreamId); // no signal: a settled entry just ignores the answer
    } catch {
      if (!e.done) this.afterPoll(e, () => this.backoff(e, null));
      return;
    }
    if (e.done) return;
    const body = res.json;
    const isJob = isObject(body) && typeof body.status === 'string';
    // Some servers answer a job body with a non-2xx code (vLLM-Omni): the body wins when it is a job.
    if ((res.status >= 200 && res.status < 300) || (isJob && res.status !== 404 && res.status !== 429 && res.status < 500)) {
      if (!isJob) return this.afterPoll(e, () => this.backoff(e, null)); // malformed: keep trying until the deadline
      e.errors = 0;
      e.missing = 0;
      const job = body as Record<string, unknown>;
      const status = normaliseStatus(job.status);
      if (status === 'completed') return this.settle(e, () => e.resolve(job));
      if (status === 'failed') {
        const message = errorMessage(job) ?? `The upstream job ended with status '${String(job.status)}'.`;
        return this.settle(e, () => e.reject(new EngineError(failureCode(job), message)));
      }
      const p = parseProgress(job.progress);
      if (p !== null) e.onProgress(p);
      const hint = waitHint(res.headers);
      return this.afterPoll(e, () => this.reschedule(e, hint ?? e.client.cfg.pollIntervalMs, hint !== null));
    }
    if (res.status === 404 || res.status === 410) {
      if (++e.missing >= LOST_AFTER) {
        return this.settle(e, () =>
          e.reject(new EngineError('upstream_error', `The upstream no longer knows the job ${e.upstreamId} (HTTP ${res.status}): ${errorMessage(body, res.text) ?? 'not found'}.`)),
        );
      }
      return this.afterPoll(e, () => this.backoff(e, null));
    }
    if (res.status === 429 || res.status === 408 || res.status >= 500) return this.afterPoll(e, () => this.backoff(e, retryAfter(res.headers)));
    const message = errorMessage(body, res.text) ?? `HTTP ${res.status}`;
    this.settle(e, () => e.reject(new EngineError('upstream_error', `The upstream refused the status request (HTTP ${res.status}): ${message}`)));
  }

  /** The job is not finished: poll again, unless its time is up. */
  private afterPoll(e: Entry, again: () => void) {
    if (e.done) return;
    if (Date.now() >= e.deadline) {
      const minutes = Math.round((e.client.cfg.jobTimeoutMs / 60_000) * 10) / 10;
      return this.settle(e, () =>
        e.reject(new EngineError('upstream_timeout', `The upstream did not finish the video within ${minutes} minutes.`)),
      );
    }
    again();
  }

  private tick = () => {
    this.timer = null;
    this.timerAt = Infinity;
    const now = Date.now();
    while (this.heap.length && this.heap[0].due <= now) {
      const e = this.pop()!;
      if (!e.done) void this.poll(e);
    }
    this.arm();
  };

  private arm() {
    if (this.stopped || !this.heap.length) return;
    const at = this.heap[0].due;
    if (this.timer && at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.tick, Math.max(0, at - Date.now()));
  }

  private push(e: Entry) {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p].due <= h[i].due) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
    this.arm();
  }

  private pop(): Entry | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l].due < h[m].due) m = l;
        if (r < h.length && h[r].due < h[m].due) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i], h[m]];
        i = m;
      }
    }
    return top;
  }
}
