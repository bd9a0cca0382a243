// The pool, transactions and change notifications the PostgreSQL store's parts share.
import pg from 'pg';
import type { StoreChange } from '../types.js';

export type Row = Record<string, any>;
/** A pool or a client inside a transaction: both answer query(). */
export type Queryable = Pick<pg.ClientBase, 'query'>;

/** The channel every store instance LISTENs on and NOTIFYs. */
export const CHANNEL = 'reelay_changes';

/** BIGINT (and COUNT) comes back as a JS number, as SQLite gives it: every value here stays below 2^53. */
const INT8_OID = 20;
export const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

/** What a NOTIFY carries: the sender (so a store can tell its own), the kind, and the video when there is one. */
export interface ChangePayload {
  o: string;
  k: StoreChange['kind'];
  id?: string;
}

export class Db {
  constructor(
    readonly pool: pg.Pool,
    /** This store instance, in every payload it sends. */
    readonly origin: string,
  ) {}

  async query<R extends Row = Row>(sql: string, params: unknown[] = []): Promise<R[]> {
    return (await this.pool.query<R>(sql, params)).rows;
  }

  /** Runs `fn` in one transaction on one connection; it commits unless `fn` throws or returns `rollback`. */
  async tx<T>(fn: (c: pg.PoolClient) => Promise<T>, opts: { rollbackIf?: (result: T) => boolean } = {}): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      let result: T;
      try {
        result = await fn(c);
      } catch (err) {
        await c.query('ROLLBACK').catch(() => {});
        throw err;
      }
      await c.query(opts.rollbackIf?.(result) ? 'ROLLBACK' : 'COMMIT');
      return result;
    } finally {
      c.release();
    }
  }

  /** Sends a change to every store on the database when the surrounding transaction commits. */
  async notify(q: Queryable, kind: StoreChange['kind'], id?: string): Promise<void> {
    await q.query('SELECT pg_notify($1, $2)', [CHANNEL, this.payload(kind, id)]);
  }

  payload(kind: StoreChange['kind'], id?: string): string {
    const p: ChangePayload = { o: this.origin, k: kind };
    if (id !== undefined) p.id = id;
    return JSON.stringify(p);
  }
}
