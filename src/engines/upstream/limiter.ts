// Per-upstream limits: a token bucket for requests per second and a counter for jobs in flight.
// Waiters queue in order; one timer per bucket, never one per waiter.

type Waiter = { resolve: () => void; reject: (err: unknown) => void; signal?: AbortSignal; onAbort?: () => void };

function enqueue(queue: Waiter[], signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const w: Waiter = { resolve, reject, signal };
    if (signal) {
      w.onAbort = () => {
        const i = queue.indexOf(w);
        if (i >= 0) queue.splice(i, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', w.onAbort, { once: true });
    }
    queue.push(w);
  });
}

function release(w: Waiter) {
  if (w.onAbort) w.signal!.removeEventListener('abort', w.onAbort);
  w.resolve();
}

export class TokenBucket {
  private tokens: number;
  private last = Date.now();
  private readonly queue: Waiter[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly burst: number;

  /** `perSecond` 0 means unlimited. */
  constructor(private readonly perSecond: number) {
    this.burst = Math.max(1, perSecond);
    this.tokens = this.burst;
  }

  take(signal?: AbortSignal): Promise<void> {
    if (this.perSecond <= 0) return Promise.resolve();
    this.refill();
    if (!this.queue.length && this.tokens >= 1) {
      this.tokens -= 1;
      return Promise.resolve();
    }
    const p = enqueue(this.queue, signal);
    this.arm();
    return p;
  }

  private refill() {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
  }

  private arm() {
    if (this.timer || !this.queue.length) return;
    const wait = Math.max(1, Math.ceil(((1 - this.tokens) / this.perSecond) * 1000));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.refill();
      while (this.queue.length && this.tokens >= 1) {
        this.tokens -= 1;
        release(this.queue.shift()!);
      }
      this.arm();
    }, wait);
  }
}

export class Semaphore {
  private used = 0;
  private readonly queue: Waiter[] = [];

  constructor(private readonly max: number) {}

  get inUse(): number {
    return this.used;
  }

  async acquire(signal?: AbortSignal): Promise<void> {
    if (this.used < this.max && !this.queue.length) {
      this.used++;
      return;
    }
    await enqueue(this.queue, signal);
  }

  /** Counts a job that is already running upstream (resumed after a restart): never waits. */
  force(): void {
    this.used++;
  }

  release(): void {
    if (this.used > this.max) {
      this.used--;
      return;
    }
    const next = this.queue.shift();
    if (next) release(next);
    else this.used = Math.max(0, this.used - 1);
  }
}
