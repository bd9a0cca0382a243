// Webhook SQL for the embedded store. enqueueSync runs inside the transaction that writes a
// video's terminal state (SqliteStore.complete / fail): the event and its deliveries exist exactly
// when the final state does, so a crash right after completion still delivers after a restart.
import type Database from 'better-sqlite3';
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

type Row = Record<string, any>;

const ENDPOINT_SELECT = `SELECT ep.*, p.name AS project_name FROM webhook_endpoints ep LEFT JOIN projects p ON p.id = ep.project_id`;

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

export class SqliteWebhooks implements WebhookStore {
  private readonly s: Record<string, Database.Statement>;

  constructor(private readonly db: Database.Database) {
    const p = (sql: string) => db.prepare(sql);
    const subscribed = `disabled_at IS NULL AND EXISTS (SELECT 1 FROM json_each(events) WHERE value = @type)`;
    this.s = {
      insertEndpoint: p(`INSERT INTO webhook_endpoints (id, project_id, url, events, secret, source, created_at)
        VALUES (@id, @projectId, @url, @events, @secret, @source, @createdAt)`),
      endpoint: p(`${ENDPOINT_SELECT} WHERE ep.id = ?`),
      endpoints: p(`${ENDPOINT_SELECT} ORDER BY ep.created_at, ep.id`),
      configEndpoints: p(`SELECT * FROM webhook_endpoints WHERE source = 'config'`),
      updateConfigEndpoint: p(`UPDATE webhook_endpoints SET events = @events, secret = @secret,
        old_secret = @oldSecret, old_secret_until = @oldSecretUntil WHERE id = @id`),
      deleteEndpoint: p('DELETE FROM webhook_endpoints WHERE id = ?'),
      cancelPending: p(`UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL, finished_at = @now
        WHERE endpoint_id = @id AND status = 'pending'`),
      rotate: p(`UPDATE webhook_endpoints SET old_secret = secret, old_secret_until = @until, secret = @secret WHERE id = @id`),
      disable: p(`UPDATE webhook_endpoints SET disabled_at = @nowSec, disabled_reason = @reason WHERE id = @id AND disabled_at IS NULL`),
      failPending: p(`UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, finished_at = @now,
        last_error = COALESCE(last_error, @reason) WHERE endpoint_id = @id AND status = 'pending'`),
      videoProject: p('SELECT project_id FROM videos WHERE id = ?').pluck(),
      subscribers: p(`SELECT id FROM webhook_endpoints WHERE project_id = @projectId AND ${subscribed}`).pluck(),
      insertEvent: p(`INSERT INTO webhook_events (id, project_id, type, video_id, created_at, payload)
        VALUES (@id, @projectId, @type, @videoId, @createdAt, @payload)`),
      insertDelivery: p(`INSERT INTO webhook_deliveries (event_id, endpoint_id, status, started_at, next_attempt_at)
        VALUES (@eventId, @endpointId, 'pending', @now, @now)`),
      // Due deliveries of enabled endpoints, at most the endpoint's free slots each (a slow endpoint's
      // backlog never takes the places of another's).
      due: p(`SELECT seq FROM (
          SELECT d.seq, d.endpoint_id, d.next_attempt_at,
            ROW_NUMBER() OVER (PARTITION BY d.endpoint_id ORDER BY d.next_attempt_at, d.seq) AS rn
          FROM webhook_deliveries d INDEXED BY webhook_deliveries_due JOIN webhook_endpoints ep ON ep.id = d.endpoint_id
          WHERE d.status = 'pending' AND d.next_attempt_at <= @now AND ep.disabled_at IS NULL
        ) WHERE rn <= @perEndpoint - COALESCE(json_extract(@inFlight, '$.' || endpoint_id), 0)
        ORDER BY next_attempt_at, seq LIMIT @limit`).pluck(),
      claim: p(`UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = @until
        WHERE seq = @seq AND status = 'pending' AND next_attempt_at <= @now RETURNING *`),
      eventPayload: p('SELECT payload FROM webhook_events WHERE id = ?').pluck(),
      insertAttempt: p(`INSERT INTO webhook_attempts (delivery_seq, attempted_at, duration_ms, status_code, error, outcome)
        VALUES (@seq, @at, @durationMs, @statusCode, @error, @outcome)`),
      finishAttempt: p(`UPDATE webhook_deliveries SET status = @status, next_attempt_at = @next, last_attempt_at = @at,
        last_status_code = @statusCode, last_error = @error, finished_at = @finishedAt WHERE seq = @seq AND status = 'pending'
        RETURNING endpoint_id`).pluck(),
      release: p(`UPDATE webhook_deliveries SET next_attempt_at = @now, attempts = MAX(attempts - 1, 0)
        WHERE seq = @seq AND status = 'pending'`),
      event: p('SELECT * FROM webhook_events WHERE id = ?'),
      redeliver: p(`INSERT INTO webhook_deliveries (event_id, endpoint_id, status, started_at, next_attempt_at)
        SELECT @eventId, ep.id, 'pending', @now, @now FROM webhook_endpoints ep
        WHERE ep.id IN (SELECT endpoint_id FROM webhook_deliveries WHERE event_id = @eventId)
          OR (ep.project_id = @projectId AND ep.disabled_at IS NULL AND EXISTS (SELECT 1 FROM json_each(ep.events) WHERE value = @type))
        ON CONFLICT (event_id, endpoint_id) DO UPDATE SET status = 'pending', started_at = @now, next_attempt_at = @now, finished_at = NULL
        WHERE (SELECT disabled_at FROM webhook_endpoints WHERE id = excluded.endpoint_id) IS NULL`),
      attempts: p('SELECT * FROM webhook_attempts WHERE delivery_seq = ? ORDER BY seq'),
      backlog: p(`SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending'`).pluck(),
    };
  }

  async createEndpoint(e: NewWebhookEndpoint): Promise<WebhookEndpoint> {
    return this.insertEndpoint(e, 'cli');
  }

  private insertEndpoint(e: NewWebhookEndpoint, source: 'cli' | 'config'): WebhookEndpoint {
    const id = `we_${randomBytes(12).toString('hex')}`;
    this.s.insertEndpoint.run({ id, projectId: e.projectId, url: e.url, events: JSON.stringify(e.events), secret: e.secret, source, createdAt: Math.floor(Date.now() / 1000) });
    return toEndpoint(this.s.endpoint.get(id) as Row);
  }

  async getEndpoint(id: string): Promise<WebhookEndpoint | null> {
    const r = this.s.endpoint.get(id) as Row | undefined;
    return r ? toEndpoint(r) : null;
  }

  async listEndpoints(): Promise<WebhookEndpoint[]> {
    return (this.s.endpoints.all() as Row[]).map(toEndpoint);
  }

  async deleteEndpoint(id: string): Promise<boolean> {
    return this.db.transaction(() => {
      this.s.cancelPending.run({ id, now: Date.now() });
      return this.s.deleteEndpoint.run(id).changes > 0;
    })();
  }

  async rotateSecret(id: string, secret: string, oldUntilMs: number): Promise<WebhookEndpoint | null> {
    if (this.s.rotate.run({ id, secret, until: oldUntilMs }).changes === 0) return null;
    return toEndpoint(this.s.endpoint.get(id) as Row);
  }

  async syncConfigEndpoints(list: NewWebhookEndpoint[], nowMs: number, rotationMs: number) {
    const counts = { created: 0, updated: 0, removed: 0 };
    this.db.transaction(() => {
      const existing = new Map((this.s.configEndpoints.all() as Row[]).map((r) => [`${r.project_id} ${r.url}`, r]));
      for (const e of list) {
        const key = `${e.projectId} ${e.url}`;
        const row = existing.get(key);
        existing.delete(key);
        if (!row) {
          this.insertEndpoint(e, 'config');
          counts.created++;
          continue;
        }
        const events = JSON.stringify(e.events);
        if (row.events === events && row.secret === e.secret) continue;
        // A secret changed in the environment is a rotation: the old one keeps signing for a while.
        const rotated = row.secret !== e.secret;
        this.s.updateConfigEndpoint.run({
          id: row.id, events, secret: e.secret,
          oldSecret: rotated ? row.secret : row.old_secret,
          oldSecretUntil: rotated ? nowMs + rotationMs : row.old_secret_until,
        });
        counts.updated++;
      }
      for (const row of existing.values()) {
        this.s.cancelPending.run({ id: row.id, now: nowMs });
        this.s.deleteEndpoint.run(row.id);
        counts.removed++;
      }
    })();
    return counts;
  }

  /** Writes the event and a delivery per subscribed endpoint; call inside the terminal-state transaction. */
  enqueueSync(videoId: string, type: WebhookEventType, createdAtSec: number): string | null {
    const projectId = this.s.videoProject.get(videoId) as string | undefined;
    if (!projectId) return null;
    const endpoints = this.s.subscribers.all({ projectId, type }) as string[];
    if (!endpoints.length) return null;
    const id = `evt_${randomBytes(16).toString('hex')}`;
    const payload = JSON.stringify({ id, object: 'event', created_at: createdAtSec, type, data: { id: videoId } });
    this.s.insertEvent.run({ id, projectId, type, videoId, createdAt: createdAtSec, payload });
    const now = Date.now();
    for (const endpointId of endpoints) this.s.insertDelivery.run({ eventId: id, endpointId, now });
    return id;
  }

  async claimDue(nowMs: number, leaseUntilMs: number, limit: number, perEndpoint: number, inFlight: Record<string, number>): Promise<DueDelivery[]> {
    if (limit <= 0) return [];
    // Read first, outside a transaction: an idle poll takes no write lock.
    const seqs = this.s.due.all({ now: nowMs, limit, perEndpoint, inFlight: JSON.stringify(inFlight) }) as number[];
    if (!seqs.length) return [];
    return this.db.transaction(() => {
      const out: DueDelivery[] = [];
      for (const seq of seqs) {
        const d = this.s.claim.get({ seq, until: leaseUntilMs, now: nowMs }) as Row | undefined;
        if (!d) continue;
        const ep = this.s.endpoint.get(d.endpoint_id) as Row | undefined;
        const payload = this.s.eventPayload.get(d.event_id) as string | undefined;
        if (!ep || payload === undefined) continue;
        out.push({ seq, eventId: d.event_id, payload, attempt: d.attempts, startedAt: d.started_at, endpoint: toEndpoint(ep) });
      }
      return out;
    }).immediate();
  }

  async recordAttempt(seq: number, r: AttemptResult): Promise<void> {
    this.db.transaction(() => {
      this.s.insertAttempt.run({ seq, at: r.at, durationMs: r.durationMs, statusCode: r.statusCode, error: r.error, outcome: r.outcome });
      const status = r.outcome === 'delivered' ? 'delivered' : r.outcome === 'retry' ? 'pending' : 'failed';
      const endpointId = this.s.finishAttempt.get({
        seq, status, next: r.outcome === 'retry' ? r.nextAttemptAt : null, at: r.at, statusCode: r.statusCode, error: r.error,
        finishedAt: status === 'pending' ? null : r.at + r.durationMs,
      }) as string | undefined;
      if (r.outcome === 'disabled' && endpointId) {
        const reason = r.error ?? 'disabled';
        this.s.disable.run({ id: endpointId, nowSec: Math.floor(r.at / 1000), reason });
        this.s.failPending.run({ id: endpointId, now: r.at, reason: `endpoint disabled: ${reason}` });
      }
    })();
  }

  async releaseAttempt(seq: number, nowMs: number): Promise<void> {
    this.s.release.run({ seq, now: nowMs });
  }

  async redeliver(eventId: string, nowMs: number): Promise<number | null> {
    const ev = this.s.event.get(eventId) as Row | undefined;
    if (!ev) return null;
    return this.s.redeliver.run({ eventId, projectId: ev.project_id, type: ev.type, now: nowMs }).changes;
  }

  async listDeliveries(q: DeliveryQuery): Promise<WebhookDelivery[]> {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: q.limit };
    if (q.endpointId) {
      where.push('d.endpoint_id = @endpointId');
      params.endpointId = q.endpointId;
    }
    if (q.failed) where.push(`(d.status = 'failed' OR (d.status = 'pending' AND d.last_attempt_at IS NOT NULL))`);
    const sql = `SELECT d.*, e.type, e.video_id, ep.url FROM webhook_deliveries d
      JOIN webhook_events e ON e.id = d.event_id LEFT JOIN webhook_endpoints ep ON ep.id = d.endpoint_id
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY d.seq DESC LIMIT @limit`;
    return (this.db.prepare(sql).all(params) as Row[]).map(toDelivery);
  }

  async listAttempts(deliverySeq: number): Promise<WebhookAttempt[]> {
    return (this.s.attempts.all(deliverySeq) as Row[]).map((r) => ({
      deliverySeq: r.delivery_seq, attemptedAt: r.attempted_at, durationMs: r.duration_ms, statusCode: r.status_code, error: r.error, outcome: r.outcome,
    }));
  }

  async backlog(): Promise<number> {
    return this.s.backlog.get() as number;
  }
}
