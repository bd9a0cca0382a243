// Idempotency-Key records in the embedded store. The record of a key is begun before the request
// runs, bound to what the request stored (in the same transaction as the video or character row),
// and finished with the answer that a retry then gets again.
import type Database from 'better-sqlite3';
import type { IdempotencyBegin, IdempotencyTimes } from '../types.js';

type Row = { fingerprint: string; created_at: number; resource_id: string | null; response_status: number | null; response_body: string | null };

export class IdempotencyTable {
  private readonly get: Database.Statement;
  private readonly insert: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly restart: Database.Statement;
  private readonly bindStmt: Database.Statement;
  private readonly finishStmt: Database.Statement;
  private readonly abandonStmt: Database.Statement;
  private readonly purgeStmt: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.get = db.prepare('SELECT fingerprint, created_at, resource_id, response_status, response_body FROM idempotency_keys WHERE project_id = ? AND key = ?');
    this.insert = db.prepare('INSERT INTO idempotency_keys (project_id, key, fingerprint, created_at) VALUES (?, ?, ?, ?)');
    this.remove = db.prepare('DELETE FROM idempotency_keys WHERE project_id = ? AND key = ?');
    this.restart = db.prepare('UPDATE idempotency_keys SET created_at = ? WHERE project_id = ? AND key = ?');
    this.bindStmt = db.prepare('UPDATE idempotency_keys SET resource_id = ? WHERE project_id = ? AND key = ?');
    this.finishStmt = db.prepare('UPDATE idempotency_keys SET response_status = ?, response_body = ? WHERE project_id = ? AND key = ?');
    this.abandonStmt = db.prepare('DELETE FROM idempotency_keys WHERE project_id = ? AND key = ? AND resource_id IS NULL AND response_status IS NULL');
    this.purgeStmt = db.prepare('DELETE FROM idempotency_keys WHERE created_at < ?');
  }

  begin(projectId: string, key: string, fingerprint: string, t: IdempotencyTimes): IdempotencyBegin {
    // IMMEDIATE: two requests with one key cannot both find it absent.
    return this.db.transaction((): IdempotencyBegin => {
      let row = this.get.get(projectId, key) as Row | undefined;
      if (row && row.created_at <= t.nowMs - t.ttlMs) {
        this.remove.run(projectId, key); // kept long enough: the key is free again
        row = undefined;
      }
      if (!row) {
        this.insert.run(projectId, key, fingerprint, t.nowMs);
        return { state: 'started' };
      }
      if (row.fingerprint !== fingerprint) return { state: 'mismatch' };
      if (row.response_status !== null) return { state: 'replay', status: row.response_status, body: row.response_body ?? '' };
      if (row.resource_id !== null) return { state: 'stored', resourceId: row.resource_id };
      if (row.created_at <= t.nowMs - t.abandonAfterMs) {
        // Begun long ago and nothing stored: the request that began it is gone; this one runs it.
        this.restart.run(t.nowMs, projectId, key);
        return { state: 'started' };
      }
      return { state: 'in_progress' };
    }).immediate();
  }

  /** Inside the transaction that stores the resource. */
  bind(projectId: string, key: string, resourceId: string): void {
    this.bindStmt.run(resourceId, projectId, key);
  }

  finish(projectId: string, key: string, status: number, body: string): void {
    this.finishStmt.run(status, body, projectId, key);
  }

  abandon(projectId: string, key: string): void {
    this.abandonStmt.run(projectId, key);
  }

  purge(beforeMs: number): number {
    return this.purgeStmt.run(beforeMs).changes;
  }
}
