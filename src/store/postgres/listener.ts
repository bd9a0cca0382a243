// The one connection a PostgreSQL store LISTENs on. Every change a store commits is NOTIFYed on
// CHANNEL in the same transaction (so it arrives only once committed); this connection hears all
// of them and hands them to the store. When the connection drops, changes are no longer heard:
// until it is back (reconnecting with backoff) the store is told of a gap every `gapMs`, so its
// caches are stale for at most that long and runners look at the queue anyway; it is told once
// more when the connection is back, for what was missed in between.
import pg from 'pg';
import { CHANNEL, TYPES, type ChangePayload } from './db.js';

export interface ListenerOptions {
  connectionString: string;
  onChange(p: ChangePayload): void;
  /** Changes may have been missed: drop every cache. */
  onGap(): void;
  /** How often the gap is reported while disconnected. */
  gapMs?: number;
  /** The longest wait between reconnection attempts. */
  maxBackoffMs?: number;
  /** How often the idle connection is checked (a peer that vanished without closing it). */
  pingMs?: number;
}

export class ChangeListener {
  private client: pg.Client | null = null;
  private closed = false;
  private gapTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private backoffMs = 100;
  /** Connected and listening. */
  listening = false;

  constructor(private readonly opts: ListenerOptions) {}

  /** The first connection must succeed: a store that cannot listen does not start. */
  async start(): Promise<void> {
    await this.connect();
    this.pingTimer = setInterval(() => void this.ping(), this.opts.pingMs ?? 10_000);
    this.pingTimer.unref();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.opts.connectionString, types: TYPES, keepAlive: true, application_name: 'reelay-listen' });
    client.on('notification', (msg) => {
      if (msg.channel !== CHANNEL || !msg.payload) return;
      let p: ChangePayload;
      try {
        p = JSON.parse(msg.payload) as ChangePayload;
      } catch {
        return;
      }
      this.opts.onChange(p);
    });
    const onLost = () => this.lost(client);
    client.on('error', onLost);
    client.on('end', onLost);
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (err) {
      client.removeListener('end', onLost);
      await client.end().catch(() => {});
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.listening = true;
    this.backoffMs = 100;
  }

  private async ping(): Promise<void> {
    const c = this.client;
    if (!c || !this.listening) return;
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('ping timed out')), 5000).unref());
    try {
      await Promise.race([c.query('SELECT 1'), timeout]);
    } catch {
      this.lost(c);
    }
  }

  private lost(client: pg.Client): void {
    if (this.client !== client || this.closed) return;
    this.client = null;
    this.listening = false;
    client.removeAllListeners('end');
    client.removeAllListeners('notification');
    client.on('error', () => {}); // it may report more on its way down
    void client.end().catch(() => {});
    this.opts.onGap();
    this.gapTimer ??= setInterval(() => this.opts.onGap(), this.opts.gapMs ?? 2000);
    this.gapTimer.unref();
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer) return;
    const wait = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.opts.maxBackoffMs ?? 5000);
    this.retryTimer = setTimeout(async () => {
      this.retryTimer = null;
      try {
        await this.connect();
      } catch {
        this.scheduleRetry();
        return;
      }
      if (this.closed) return;
      if (this.gapTimer) clearInterval(this.gapTimer);
      this.gapTimer = null;
      this.opts.onGap(); // what was committed while nobody listened
    }, wait);
    this.retryTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listening = false;
    for (const t of [this.gapTimer, this.pingTimer]) if (t) clearInterval(t);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const c = this.client;
    this.client = null;
    if (c) {
      c.removeAllListeners('end');
      c.on('error', () => {});
      await c.end().catch(() => {});
    }
  }
}
