// Idempotency-Key records in the PostgreSQL store: the same states as the embedded store's
// (src/store/sqlite/idempotency.ts). Begin is race-free across processes: INSERT ... ON CONFLICT
// DO NOTHING either creates the record (this request runs) or waits for the transaction that did,
// and the existing row is then read under FOR UPDATE, so two begins never both start.
import type { IdempotencyBegin, IdempotencyTimes } from '../types.js';
import type { Db, Queryable } from './db.js';

type Row = { fingerprint: string; created_at: number; resource_id: string | null; response_status: number | null; response_body: string | null };

export class PgIdempotency {
  constructor(private readonly db: Db) {}

  begin(projectId: string, key: string, fingerprint: string, t: IdempotencyTimes): Promise<IdempotencyBegin> {
    return this.db.tx(async (c): Promise<IdempotencyBegin> => {
      for (;;) {
        const inserted = await c.query(
          'INSERT INTO idempotency_keys (project_id, key, fingerprint, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
          [projectId, key, fingerprint, t.nowMs],
        );
        if (inserted.rowCount) return { state: 'started' };
        const { rows } = await c.query<Row>(
          `SELECT fingerprint, created_at, resource_id, response_status, response_body FROM idempotency_keys
           WHERE project_id = $1 AND key = $2 FOR UPDATE`,
          [projectId, key],
        );
        const row = rows[0];
        if (!row) continue; // removed (abandoned, purged) in between: insert again
        if (row.created_at <= t.nowMs - t.ttlMs) {
          // Kept long enough: the key is free again (the embedded store deletes and inserts; one update here).
          await c.query(
            `UPDATE idempotency_keys SET fingerprint = $3, created_at = $4, resource_id = NULL, response_status = NULL, response_body = NULL
             WHERE project_id = $1 AND key = $2`,
            [projectId, key, fingerprint, t.nowMs],
          );
          return { state: 'started' };
        }
        if (row.fingerprint !== fingerprint) return { state: 'mismatch' };
        if (row.response_status !== null) return { state: 'replay', status: row.response_status, body: row.response_body ?? '' };
        if (row.resource_id !== null) return { state: 'stored', resourceId: row.resource_id };
        if (row.created_at <= t.nowMs - t.abandonAfterMs) {
          // Begun long ago and nothing stored: the request that began it is gone; this one runs it.
          await c.query('UPDATE idempotency_keys SET created_at = $3 WHERE project_id = $1 AND key = $2', [projectId, key, t.nowMs]);
          return { state: 'started' };
        }
        return { state: 'in_progress' };
      }
    });
  }

  /** Inside the transaction that stores the resource. */
  async bind(q: Queryable, projectId: string, key: string, resourceId: string): Promise<void> {
    await q.query('UPDATE idempotency_keys SET resource_id = $3 WHERE project_id = $1 AND key = $2', [projectId, key, resourceId]);
  }

  async finish(projectId: string, key: string, status: number, body: string): Promise<void> {
    await this.db.query('UPDATE idempotency_keys SET response_status = $3, response_body = $4 WHERE project_id = $1 AND key = $2', [projectId, key, status, body]);
  }

  async abandon(projectId: string, key: string): Promise<void> {
    await this.db.query(
      'DELETE FROM idempotency_keys WHERE project_id = $1 AND key = $2 AND resource_id IS NULL AND response_status IS NULL',
      [projectId, key],
    );
  }

  async purge(beforeMs: number): Promise<number> {
    return (await this.db.pool.query('DELETE FROM idempotency_keys WHERE created_at < $1', [beforeMs])).rowCount ?? 0;
  }
}
