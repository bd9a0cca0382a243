// The retention sweeper: removes assets of expired videos, leftovers of deleted ones, and
// Idempotency-Key records past their time.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Store } from '../store/index.js';
import type { BlobStore } from '../blobs/index.js';

export class Sweeper {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: Store,
    private readonly blobs: BlobStore,
    private readonly intervalMs: number,
    private readonly log: Logger,
    private readonly idempotencyTtlMs = 24 * 3600_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sweep().catch((err) => this.log.error({ err }, 'sweep failed')), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private readonly owner = `sweeper_${randomBytes(6).toString('hex')}`;

  /** One pass, when this process holds the sweeper's lease (one sweeper among processes sharing a store); returns how many videos it cleaned. */
  async sweep(): Promise<number> {
    if (!(await this.store.holdLease('sweeper', this.owner, Math.max(this.intervalMs * 3, 30_000), Date.now()))) return 0;
    let n = 0;
    const now = Math.floor(Date.now() / 1000);
    for (const id of await this.store.listExpired(now, 500)) {
      await this.removeAssets(id);
      await this.store.markExpired(id, now);
      n++;
    }
    for (const id of await this.store.listUnpurged(Date.now(), 500)) {
      await this.removeAssets(id);
      await this.store.markPurged(id, now);
      n++;
    }
    if (n) this.log.info({ videos: n }, 'swept assets');
    const keys = await this.store.purgeIdempotency(Date.now() - this.idempotencyTtlMs);
    if (keys) this.log.info({ keys }, 'swept idempotency keys');
    return n;
  }

  private async removeAssets(id: string) {
    await this.blobs.deletePrefix(`videos/${id}`);
    await this.blobs.deletePrefix(`inputs/${id}`);
    await this.store.deleteAssetRows(id);
  }
}
