// Webhook SQL for the PostgreSQL store, the same behaviour as src/store/sqlite/webhooks.ts.
// enqueue runs inside the transaction that writes a video's terminal state (PgStore.complete /
// fail): the event and its deliveries exist exactly when the final state does. Deliveries are
// claimed by an UPDATE that re-checks they are still due, so deliverers in several processes
// never send one attempt twice.
import { randomBytes } from 'node:crypto';
import type {
  AttemptResult,
  DeliveryQuery,
  DueDelivery,
  NewWebhookEndpoint,
  WebhookAttempt,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEventType,
  WebhookStore,
} from '../webhook-types.js';
import { CHANNEL, type Db, type Queryable, type Row } from './db.js';

const ENDPOINT_SELECT = `SELECT ep.*, p.name AS project_name FROM webhook_endpoints ep LEFT JOIN projects p ON p.id = ep.project_id`;
/** An enabled endpoint subscribed to event type $type (the parameter's number is given). */
const subscribed = (type: string) => `ep.disabled_at IS NULL AND ep.events::jsonb ? ${type}`;

function toEndpoint(r: Row): WebhookEndpoint {
  return {
    id: r.id,
    projectId: r.project_id,
    projectName: r.project_name ?? r.project_id,
    url: r.url,
    events: JSON.parse(r.events),
    secret: r.secret,
    oldSecret: r.old_secret,
    oldSecretUntil: r.old_secret_until,
    source: r.source,
    createdAt: r.created_at,
    disabledAt: r.disabled_at,
    disabledReason: r.disabled_reason,
  };
}

function toDelivery(r: Row): WebhookDelivery {
  return {
    seq: r.seq,
    eventId: r.event_id,
    eventType: r.type,
    videoId: r.video_id,
    endpointId: r.endpoint_id,
    url: r.url ?? null,
    status: r.status,
    attempts: r.attempts,
    startedAt: r.started_at,
    nextAttemptAt: r.next_attempt_at,
    lastAttemptAt: r.last_attempt_at,
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    finishedAt: r.finished_at,
  };
}

const CANCEL_PENDING = `UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL, finished_at = $2
  WHERE endpoint_id = $1 AND status = 'pending'`;

export class PgWebhooks implements WebhookStore {
  constructor(private readonly db: Db) {}

  async createEndpoint(e: NewWebhookEndpoint): Promise<WebhookEndpoint> {
    return this.insertEndpoint(this.db.pool, e, 'cli');
  }

  private async insertEndpoint(q: Queryable, e: NewWebhookEndpoint, source: 'cli' | 'config'): Promise<WebhookEndpoint> {
    const id = `we_${randomBytes(12).toString('hex')}`;
    await q.query(
      `INSERT INTO webhook_endpoints (id, project_id, url, events, secret, source, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [id, e.projectId, e.url, JSON.stringify(e.events), e.secret, source, Math.floor(Date.now() / 1000)],
    );
    return toEndpoint((await q.query(`${ENDPOINT_SELECT} WHERE ep.id = $1`, [id])).rows[0]);
  }

  async getEndpoint(id: string): Promise<WebhookEndpoint | null> {
    const [r] = await this.db.query(`${ENDPOINT_SELECT} WHERE ep.id = $1`, [id]);
    return r ? toEndpoint(r) : null;
  }

  async listEndpoints(): Promise<WebhookEndpoint[]> {
    return (await this.db.query(`${ENDPOINT_SELECT} ORDER BY ep.created_at, ep.id`)).map(toEndpoint);
  }

  async deleteEndpoint(id: string): Promise<boolean> {
    return this.db.tx(async (c) => {
      await c.query(CANCEL_PENDING, [id, Date.now()]);
      return ((await c.query('DELETE FROM webhook_endpoints WHERE id = $1', [id])).rowCount ?? 0) > 0;
    });
  }

  async rotateSecret(id: string, secret: string, oldUntilMs: number): Promise<WebhookEndpoint | null> {
    const r = await this.db.pool.query('UPDATE webhook_endpoints SET old_secret = secret, old_secret_until = $2, secret = $3 WHERE id = $1', [id, oldUntilMs, secret]);
    if (!r.rowCount) return null;
    return this.getEndpoint(id);
  }

  async syncConfigEndpoints(list: NewWebhookEndpoint[], nowMs: number, rotationMs: number) {
    const counts = { created: 0, updated: 0, removed: 0 };
    await this.db.tx(async (c) => {
      // Processes starting at once sync one after the other.
      await c.query(`SELECT pg_advisory_xact_lock(hashtext('reelay.webhooks.sync'))`);
      const { rows } = await c.query(`SELECT * FROM webhook_endpoints WHERE source = 'config'`);
      const existing = new Map(rows.map((r) => [`${r.project_id} ${r.url}`, r]));
      for (const e of list) {
        const key = `${e.projectId} ${e.url}`;
        const row = existing.get(key);
        existing.delete(key);
        if (!row) {
          await this.insertEndpoint(c, e, 'config');
          counts.created++;
          continue;
        }
        const events = JSON.stringify(e.events);
        if (row.events === events && row.secret === e.secret) continue;
        // A secret changed in the environment is a rotation: the old one keeps signing for a while.
        const rotated = row.secret !== e.secret;
        await c.query('UPDATE webhook_endpoints SET events = $2, secret = $3, old_secret = $4, old_secret_until = $5 WHERE id = $1', [
          row.id, events, e.secret, rotated ? row.secret : row.old_secret, rotated ? nowMs + rotationMs : row.old_secret_until,
        ]);
        counts.updated++;
      }
      for (const row of existing.values()) {
        await c.query(CANCEL_PENDING, [row.id, nowMs]);
        await c.query('DELETE FROM webhook_endpoints WHERE id = $1', [row.id]);
        counts.removed++;
      }
    });
    return counts;
  }

  /** Writes the event and a delivery per subscribed endpoint; call inside the terminal-state transaction. */
  async enqueue(q: Queryable, videoId: string, type: WebhookEventType, createdAtSec: number): Promise<string | null> {
    const [video] = (await q.query('SELECT project_id FROM videos WHERE id = $1', [videoId])).rows;
    if (!video) return null;
    const projectId: string = video.project_id;
    const endpoints = (await q.query(`SELECT id FROM webhook_endpoints ep WHERE project_id = $1 AND ${subscribed('$2')} ORDER BY created_at, id`, [projectId, type])).rows;
    if (!endpoints.length) return null;
    const id = `evt_${randomBytes(16).toString('hex')}`;
    const payload = JSON.stringify({ id, object: 'event', created_at: createdAtSec, type, data: { id: videoId } });
    await q.query('INSERT INTO webhook_events (id, project_id, type, video_id, created_at, payload) VALUES ($1, $2, $3, $4, $5, $6)', [
      id, projectId, type, videoId, createdAtSec, payload,
    ]);
    await q.query(
      `INSERT INTO webhook_deliveries (event_id, endpoint_id, status, started_at, next_attempt_at)
       SELECT $1, e, 'pending', $3, $3 FROM unnest($2::text[]) WITH ORDINALITY AS t(e, n) ORDER BY n`,
      [id, endpoints.map((r) => r.id), Date.now()],
    );
    await this.db.notify(q, 'webhook_due');
    return id;
  }

  async claimDue(nowMs: number, leaseUntilMs: number, limit: number, perEndpoint: number, inFlight: Record<string, number>): Promise<DueDelivery[]> {
    if (limit <= 0) return [];
    // Read first: an idle poll writes nothing. Due deliveries of enabled endpoints, at most the
    // endpoint's free slots each (a slow endpoint's backlog never takes the places of another's).
    const seqs = (await this.db.query(
      `SELECT seq FROM (
          SELECT d.seq, d.endpoint_id, d.next_attempt_at,
            ROW_NUMBER() OVER (PARTITION BY d.endpoint_id ORDER BY d.next_attempt_at, d.seq) AS rn
          FROM webhook_deliveries d JOIN webhook_endpoints ep ON ep.id = d.endpoint_id
          WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND ep.disabled_at IS NULL
        ) due WHERE rn <= $2 - COALESCE(($3::jsonb ->> endpoint_id)::int, 0)
        ORDER BY next_attempt_at, seq LIMIT $4`,
      [nowMs, perEndpoint, JSON.stringify(inFlight), limit],
    )).map((r) => r.seq as number);
    if (!seqs.length) return [];
    // The claim re-checks that each is still due: another process may have taken it since.
    const rows = await this.db.query(
      `WITH c AS (
         UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = $3
         WHERE seq = ANY($1::bigint[]) AND status = 'pending' AND next_attempt_at <= $2 RETURNING *
       )
       SELECT c.seq AS d_seq, c.event_id AS d_event_id, c.attempts AS d_attempts, c.started_at AS d_started_at,
         e.payload AS d_payload, ep.*, p.name AS project_name
       FROM c JOIN webhook_events e ON e.id = c.event_id JOIN webhook_endpoints ep ON ep.id = c.endpoint_id
         LEFT JOIN projects p ON p.id = ep.project_id
       ORDER BY array_position($1::bigint[], c.seq)`,
      [seqs, nowMs, leaseUntilMs],
    );
    return rows.map((r) => ({
      seq: r.d_seq, eventId: r.d_event_id, payload: r.d_payload, attempt: r.d_attempts, startedAt: r.d_started_at, endpoint: toEndpoint(r),
    }));
  }

  async recordAttempt(seq: number, r: AttemptResult): Promise<void> {
    await this.db.tx(async (c) => {
      await c.query('INSERT INTO webhook_attempts (delivery_seq, attempted_at, duration_ms, status_code, error, outcome) VALUES ($1, $2, $3, $4, $5, $6)', [
        seq, r.at, r.durationMs, r.statusCode, r.error, r.outcome,
      ]);
      const status = r.outcome === 'delivered' ? 'delivered' : r.outcome === 'retry' ? 'pending' : 'failed';
      const { rows } = await c.query(
        `UPDATE webhook_deliveries SET status = $2, next_attempt_at = $3, last_attempt_at = $4, last_status_code = $5, last_error = $6,
           finished_at = $7 WHERE seq = $1 AND status = 'pending' RETURNING endpoint_id`,
        [seq, status, r.outcome === 'retry' ? r.nextAttemptAt : null, r.at, r.statusCode, r.error, status === 'pending' ? null : r.at + r.durationMs],
      );
      const endpointId: string | undefined = rows[0]?.endpoint_id;
      if (r.outcome === 'disabled' && endpointId) {
        const reason = r.error ?? 'disabled';
        await c.query('UPDATE webhook_endpoints SET disabled_at = $2, disabled_reason = $3 WHERE id = $1 AND disabled_at IS NULL', [
          endpointId, Math.floor(r.at / 1000), reason,
        ]);
        await c.query(
          `UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, finished_at = $2, last_error = COALESCE(last_error, $3)
           WHERE endpoint_id = $1 AND status = 'pending'`,
          [endpointId, r.at, `endpoint disabled: ${reason}`],
        );
      }
    });
  }

  async releaseAttempt(seq: number, nowMs: number): Promise<void> {
    await this.db.query(
      `WITH u AS (UPDATE webhook_deliveries SET next_attempt_at = $2, attempts = GREATEST(attempts - 1, 0)
         WHERE seq = $1 AND status = 'pending' RETURNING seq)
       SELECT pg_notify($3, $4) FROM u`,
      [seq, nowMs, CHANNEL, this.db.payload('webhook_due')],
    );
  }

  async redeliver(eventId: string, nowMs: number): Promise<number | null> {
    const [ev] = await this.db.query('SELECT * FROM webhook_events WHERE id = $1', [eventId]);
    if (!ev) return null;
    return this.db.tx(async (c) => {
      const r = await c.query(
        `INSERT INTO webhook_deliveries (event_id, endpoint_id, status, started_at, next_attempt_at)
         SELECT $1, ep.id, 'pending', $4, $4 FROM webhook_endpoints ep
         WHERE ep.id IN (SELECT endpoint_id FROM webhook_deliveries WHERE event_id = $1)
           OR (ep.project_id = $2 AND ${subscribed('$3')})
         ORDER BY ep.created_at, ep.id
         ON CONFLICT (event_id, endpoint_id) DO UPDATE SET status = 'pending', started_at = $4, next_attempt_at = $4, finished_at = NULL
         WHERE (SELECT disabled_at FROM webhook_endpoints WHERE id = excluded.endpoint_id) IS NULL`,
        [eventId, ev.project_id, ev.type, nowMs],
      );
      const n = r.rowCount ?? 0;
      if (n) await this.db.notify(c, 'webhook_due');
      return n;
    });
  }

  async listDeliveries(q: DeliveryQuery): Promise<WebhookDelivery[]> {
    const where: string[] = [];
    const params: unknown[] = [q.limit];
    if (q.endpointId) {
      params.push(q.endpointId);
      where.push(`d.endpoint_id = $${params.length}`);
    }
    if (q.failed) where.push(`(d.status = 'failed' OR (d.status = 'pending' AND d.last_attempt_at IS NOT NULL))`);
    const sql = `SELECT d.*, e.type, e.video_id, ep.url FROM webhook_deliveries d
      JOIN webhook_events e ON e.id = d.event_id LEFT JOIN webhook_endpoints ep ON ep.id = d.endpoint_id
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY d.seq DESC LIMIT $1`;
    return (await this.db.query(sql, params)).map(toDelivery);
  }

  async listAttempts(deliverySeq: number): Promise<WebhookAttempt[]> {
    return (await this.db.query('SELECT * FROM webhook_attempts WHERE delivery_seq = $1 ORDER BY seq', [deliverySeq])).map((r) => ({
      deliverySeq: r.delivery_seq, attemptedAt: r.attempted_at, durationMs: r.duration_ms, statusCode: r.status_code, error: r.error, outcome: r.outcome,
    }));
  }

  async backlog(): Promise<number> {
    return (await this.db.query(`SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status = 'pending'`))[0].n;
  }
}
