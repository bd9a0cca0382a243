// The scale-out store: PostgreSQL, shared by every reelay process of a deployment. The same
// behaviour as the embedded store (src/store/sqlite/store.ts), statement for statement where it
// can be; what differs is what several processes need:
//  - jobs are claimed with FOR UPDATE SKIP LOCKED: two runners never take one job;
//  - what SQLite makes one IMMEDIATE transaction is one transaction here, and where SQLite's single
//    writer made it race-free a lock does: a project's inserts take its advisory xact lock (quotas),
//    an Idempotency-Key's begin its row's lock (./idempotency.ts);
//  - every change another process must hear (a job queued, a video changed, keys or limits
//    changed, a webhook delivery due) is NOTIFYed in its own transaction; ./listener.ts hears them
//    and the caches drop what they name (see `heard`).
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { migrate } from './schema.js';
import { CHANNEL, Db, TYPES, type ChangePayload, type Queryable, type Row } from './db.js';
import { ChangeListener } from './listener.js';
import { PgIdempotency } from './idempotency.js';
import { PgWebhooks } from './webhooks.js';
import type {
  AssetRecord,
  CharacterRecord,
  IdempotencyBegin,
  IdempotencyBinding,
  IdempotencyTimes,
  KeyRecord,
  ListQuery,
  NewVideo,
  ProjectLimits,
  ProjectRecord,
  QuotaWindow,
  Store,
  StoreChange,
  Variant,
  VideoRecord,
  VideoStatus,
} from '../types.js';

/** Finished videos kept in memory for polling. */
const FINISHED_CACHE_SIZE = 1000;
/** The first key of the two-key advisory lock a project's inserts take (the second: its id's hash). */
const PROJECT_LOCK = 0x72656c79;

export interface PgStoreOptions {
  connectionString: string;
  /** Connections in the pool (the listener has one more of its own). */
  poolSize?: number;
  /** While the listening connection is down, caches are dropped (and runners woken) this often. */
  gapMs?: number;
}

function toVideo(r: Row): VideoRecord {
  return {
    id: r.id,
    projectId: r.project_id,
    model: r.model,
    status: r.status,
    progress: r.progress,
    createdAt: r.created_at,
    completedAt: r.completed_at,
    expiresAt: r.expires_at,
    prompt: r.prompt,
    size: r.size,
    seconds: r.seconds,
    remixedFromVideoId: r.remixed_from_video_id,
    errorCode: r.error_code,
    errorMessage: r.error_message,
    kind: r.kind,
    sourceVideoId: r.source_video_id,
    params: JSON.parse(r.params),
    engine: r.engine,
    engineState: r.engine_state == null ? null : JSON.parse(r.engine_state),
    attempts: r.attempts,
    leaseOwner: r.lease_owner,
    leaseUntil: r.lease_until,
    availableAt: r.available_at,
    deletedAt: r.deleted_at,
    expiredAt: r.expired_at,
  };
}

function toAsset(r: Row): AssetRecord {
  return { videoId: r.video_id, variant: r.variant, key: r.key, bytes: r.bytes, etag: r.etag, contentType: r.content_type };
}

const toLimits = (r: Row): ProjectLimits => ({ rateLimitRpm: r.rate_limit_rpm ?? null, quotaSecondsPerDay: r.quota_seconds_per_day ?? null });

function toKey(r: Row): KeyRecord {
  return {
    id: r.id,
    projectId: r.project_id,
    projectName: r.project_name,
    projectLimits: toLimits(r),
    name: r.name,
    hint: r.hint,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
  };
}

const toProject = (r: Row): ProjectRecord => ({ id: r.id, name: r.name, createdAt: r.created_at, limits: toLimits(r) });

/** A key with its project's name and limits (what toKey reads). */
const KEY_SELECT = `SELECT k.*, p.name AS project_name, p.rate_limit_rpm, p.quota_seconds_per_day
  FROM api_keys k JOIN projects p ON p.id = k.project_id`;

/** A job this owner holds ($1: id, $2: owner). */
const OWNED = `id = $1 AND lease_owner = $2 AND deleted_at IS NULL AND status = 'in_progress'`;

/** Column list of an INSERT that pg_notify rides along with: `WITH u AS (<write> RETURNING ...) SELECT ..., pg_notify(...) FROM u`. */
const notifyEach = (channelParam: string, payloadParam: string) => `pg_notify(${channelParam}, ${payloadParam}) AS notified`;

export class PgStore implements Store {
  readonly shared = true;
  readonly webhooks: PgWebhooks;
  private readonly idempotency: PgIdempotency;
  private readonly listener: ChangeListener;
  private readonly remoteListeners: ((change: StoreChange) => void)[] = [];

  private constructor(
    private readonly db: Db,
    opts: PgStoreOptions,
  ) {
    this.webhooks = new PgWebhooks(db);
    this.idempotency = new PgIdempotency(db);
    this.listener = new ChangeListener({
      connectionString: opts.connectionString,
      gapMs: opts.gapMs,
      onChange: (p) => this.heard(p),
      onGap: () => this.gap(),
    });
  }

  /** Connects, migrates (under the advisory lock) and starts listening. */
  static async open(opts: PgStoreOptions): Promise<PgStore> {
    const pool = new pg.Pool({ connectionString: opts.connectionString, max: opts.poolSize ?? 10, types: TYPES, application_name: 'reelay' });
    // An idle connection that breaks is dropped from the pool; the next query takes a fresh one.
    pool.on('error', () => {});
    const store = new PgStore(new Db(pool, `s_${randomBytes(8).toString('hex')}`), opts);
    try {
      const c = await pool.connect();
      try {
        await migrate(c);
      } finally {
        c.release();
      }
      await store.listener.start();
    } catch (err) {
      await store.listener.close();
      await pool.end().catch(() => {});
      throw err;
    }
    return store;
  }

  /** This store's id in the changes it sends. */
  get origin(): string {
    return this.db.origin;
  }

  async close(): Promise<void> {
    await this.listener.close();
    await this.db.pool.end();
  }

  // --- changes from other processes, and the caches ---------------------------------------------
  //
  // As in the embedded store, active keys, project limits and finished videos are served from
  // memory. Writes made here drop what they change (before and after the write: a read that ran
  // alongside must not put the old row back); writes made by another process arrive as NOTIFYs
  // and drop the same entries. A cache entry is only added when nothing it could hold was dropped
  // while it was being read (the epochs below), so a change heard mid-read is never undone.

  private readonly keyCache = new Map<string, KeyRecord>();
  private readonly finishedCache = new Map<string, VideoRecord>();
  private readonly limitsCache = new Map<string, ProjectLimits>();
  private keyEpoch = 0;
  private limitsEpoch = 0;
  private videoEpoch = 0;
  /** Video id -> the epoch it was last dropped at; reads begun before that epoch do not fill. */
  private readonly videoDropped = new Map<string, number>();
  /** Reads begun before this epoch do not fill (videoDropped was emptied then). */
  private videoFloor = 0;

  onRemoteChange(fn: (change: StoreChange) => void): void {
    this.remoteListeners.push(fn);
  }

  private emit(change: StoreChange): void {
    for (const fn of this.remoteListeners) {
      try {
        fn(change);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  /** A change NOTIFYed by any store on the database: this store's own were applied when made. */
  private heard(p: ChangePayload): void {
    if (p.o === this.db.origin) return;
    if (p.k === 'keys_changed') this.dropKeys();
    else if (p.k === 'limits_changed') this.dropLimits();
    else if (p.k === 'video_changed' && p.id) this.dropVideo(p.id);
    this.emit(p.id === undefined ? { kind: p.k } : { kind: p.k, id: p.id });
  }

  /** Changes may have gone unheard (the listening connection was down). */
  private gap(): void {
    this.dropKeys();
    this.dropLimits();
    this.videoFloor = ++this.videoEpoch;
    this.videoDropped.clear();
    this.finishedCache.clear();
    this.emit({ kind: 'job_queued' });
  }

  private dropKeys(): void {
    this.keyEpoch++;
    this.keyCache.clear();
  }

  private dropLimits(): void {
    // Keys carry their project's limits.
    this.dropKeys();
    this.limitsEpoch++;
    this.limitsCache.clear();
  }

  private dropVideo(id: string): void {
    const epoch = ++this.videoEpoch;
    this.finishedCache.delete(id);
    if (this.videoDropped.size >= 10_000) {
      this.videoDropped.clear();
      this.videoFloor = epoch;
    }
    this.videoDropped.set(id, epoch);
  }

  private mayCacheVideo(id: string, readAt: number): boolean {
    return readAt >= this.videoFloor && (this.videoDropped.get(id) ?? 0) <= readAt;
  }

  // --- holdLease -------------------------------------------------------------------------------

  async holdLease(name: string, owner: string, ms: number, nowMs: number): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO leases (name, owner, until) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until = excluded.until
       WHERE leases.until < $4 OR leases.owner = excluded.owner
       RETURNING owner`,
      [name, owner, nowMs + ms, nowMs],
    );
    return rows.length > 0;
  }

  // --- projects and keys -----------------------------------------------------------------------

  async ensureProject(name: string): Promise<string> {
    const [row] = await this.db.query('SELECT id FROM projects WHERE name = $1', [name]);
    if (row) return row.id;
    const id = `proj_${randomBytes(12).toString('hex')}`;
    // Another process may create it at the same moment: one row, whoever wins.
    const [made] = await this.db.query(
      `INSERT INTO projects (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING RETURNING id`,
      [id, name, Math.floor(Date.now() / 1000)],
    );
    if (made) return made.id;
    return (await this.db.query('SELECT id FROM projects WHERE name = $1', [name]))[0].id;
  }

  async createKey(projectId: string, name: string, hash: string, hint: string): Promise<KeyRecord> {
    const id = `key_${randomBytes(8).toString('hex')}`;
    this.dropKeys();
    await this.db.tx(async (c) => {
      await c.query('INSERT INTO api_keys (id, project_id, name, hash, hint, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [
        id, projectId, name, hash, hint, Math.floor(Date.now() / 1000),
      ]);
      await this.db.notify(c, 'keys_changed');
    });
    this.dropKeys();
    return toKey((await this.db.query(`${KEY_SELECT} WHERE k.id = $1`, [id]))[0]);
  }

  async findKeyByHash(hash: string): Promise<KeyRecord | null> {
    const cached = this.keyCache.get(hash);
    if (cached) return cached;
    const epoch = this.keyEpoch;
    const [row] = await this.db.query(`${KEY_SELECT} WHERE k.hash = $1 AND k.revoked_at IS NULL`, [hash]);
    if (!row) return null;
    const rec = toKey(row);
    if (epoch === this.keyEpoch && this.keyCache.size < 10_000) this.keyCache.set(hash, rec);
    return rec;
  }

  cachedKey(hash: string): KeyRecord | undefined {
    return this.keyCache.get(hash);
  }

  async listKeys(): Promise<KeyRecord[]> {
    return (await this.db.query(`${KEY_SELECT} ORDER BY k.created_at, k.id`)).map(toKey);
  }

  async revokeKey(id: string): Promise<boolean> {
    this.dropKeys();
    const rows = await this.db.query(
      `WITH u AS (UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id)
       SELECT ${notifyEach('$3', '$4')} FROM u`,
      [id, Math.floor(Date.now() / 1000), CHANNEL, this.db.payload('keys_changed')],
    );
    this.dropKeys();
    return rows.length > 0;
  }

  async projectLimits(projectId: string): Promise<ProjectLimits> {
    let limits = this.limitsCache.get(projectId);
    if (!limits) {
      const epoch = this.limitsEpoch;
      const [row] = await this.db.query('SELECT * FROM projects WHERE id = $1', [projectId]);
      limits = row ? toLimits(row) : { rateLimitRpm: null, quotaSecondsPerDay: null };
      if (epoch === this.limitsEpoch) this.limitsCache.set(projectId, limits);
    }
    return limits;
  }

  cachedProjectLimits(projectId: string): ProjectLimits | undefined {
    return this.limitsCache.get(projectId);
  }

  async setProjectLimits(name: string, limits: Partial<ProjectLimits>): Promise<ProjectRecord> {
    const id = await this.ensureProject(name);
    this.dropLimits();
    const row = await this.db.tx(async (c) => {
      if (limits.rateLimitRpm !== undefined) await c.query('UPDATE projects SET rate_limit_rpm = $1 WHERE id = $2', [limits.rateLimitRpm, id]);
      if (limits.quotaSecondsPerDay !== undefined) await c.query('UPDATE projects SET quota_seconds_per_day = $1 WHERE id = $2', [limits.quotaSecondsPerDay, id]);
      await this.db.notify(c, 'limits_changed');
      return (await c.query('SELECT * FROM projects WHERE id = $1', [id])).rows[0];
    });
    this.dropLimits();
    return toProject(row);
  }

  async listProjects(): Promise<ProjectRecord[]> {
    return (await this.db.query('SELECT * FROM projects ORDER BY created_at, name')).map(toProject);
  }

  async countActiveKeys(projectId: string): Promise<number> {
    return (await this.db.query('SELECT COUNT(*) AS n FROM api_keys WHERE project_id = $1 AND revoked_at IS NULL', [projectId]))[0].n;
  }

  // --- videos ----------------------------------------------------------------------------------

  async insertVideo(v: NewVideo, quota?: QuotaWindow, idempotency?: IdempotencyBinding): Promise<VideoRecord | null> {
    // One transaction under the project's lock: two requests racing for the last seconds of a
    // quota, in any processes, cannot both get in.
    return this.db.tx(
      async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [PROJECT_LOCK, v.projectId]);
        if (quota && (await this.billed(c, v.projectId, quota.sinceSec)) + v.billedSeconds > quota.seconds) return null;
        const { rows } = await c.query(
          `INSERT INTO videos (id, project_id, model, status, progress, created_at, prompt, size, seconds,
             remixed_from_video_id, kind, source_video_id, params, engine, billed_seconds)
           VALUES ($1, $2, $3, 'queued', 0, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING *`,
          [v.id, v.projectId, v.model, v.createdAt, v.prompt, v.size, v.seconds, v.remixedFromVideoId, v.kind, v.sourceVideoId,
            JSON.stringify(v.params), v.engine, v.billedSeconds],
        );
        const rec = toVideo(rows[0]);
        if (idempotency) await this.idempotency.bind(c, v.projectId, idempotency.key, rec.id);
        await this.db.notify(c, 'job_queued', rec.id);
        return rec;
      },
      { rollbackIf: (r) => r === null },
    );
  }

  private async billed(q: Queryable, projectId: string, sinceSec: number): Promise<number> {
    const { rows } = await q.query(
      `SELECT COALESCE(SUM(billed_seconds), 0)::bigint AS n FROM videos WHERE project_id = $1 AND created_at >= $2 AND status != 'failed'`,
      [projectId, sinceSec],
    );
    return rows[0].n;
  }

  async billedSecondsSince(projectId: string, sinceSec: number): Promise<number> {
    return this.billed(this.db.pool, projectId, sinceSec);
  }

  cachedVideo(id: string, projectId: string): VideoRecord | undefined {
    const hit = this.finishedCache.get(id);
    return hit?.projectId === projectId ? hit : undefined;
  }

  async getVideo(id: string, projectId: string): Promise<VideoRecord | null> {
    const hit = this.finishedCache.get(id);
    if (hit) return hit.projectId === projectId ? hit : null;
    const readAt = this.videoEpoch;
    const [row] = await this.db.query('SELECT * FROM videos WHERE id = $1 AND project_id = $2 AND deleted_at IS NULL', [id, projectId]);
    if (!row) return null;
    const v = toVideo(row);
    if ((v.status === 'completed' || v.status === 'failed') && this.mayCacheVideo(id, readAt)) {
      // Bounded (prompts can be 32k characters): the oldest entry goes first.
      if (this.finishedCache.size >= FINISHED_CACHE_SIZE) this.finishedCache.delete(this.finishedCache.keys().next().value!);
      this.finishedCache.set(id, v);
    }
    return v;
  }

  async getVideoById(id: string): Promise<VideoRecord | null> {
    const [row] = await this.db.query('SELECT * FROM videos WHERE id = $1', [id]);
    return row ? toVideo(row) : null;
  }

  async listVideos(q: ListQuery): Promise<{ data: VideoRecord[]; hasMore: boolean } | null> {
    let cursor = q.order === 'desc' ? Number.MAX_SAFE_INTEGER : 0;
    if (q.afterId) {
      const [row] = await this.db.query('SELECT seq FROM videos WHERE id = $1 AND project_id = $2', [q.afterId, q.projectId]);
      if (!row) return null;
      cursor = row.seq;
    }
    const sql = q.order === 'desc'
      ? 'SELECT * FROM videos WHERE project_id = $1 AND deleted_at IS NULL AND seq < $2 ORDER BY seq DESC LIMIT $3'
      : 'SELECT * FROM videos WHERE project_id = $1 AND deleted_at IS NULL AND seq > $2 ORDER BY seq ASC LIMIT $3';
    const rows = await this.db.query(sql, [q.projectId, cursor, q.limit + 1]);
    return { data: rows.slice(0, q.limit).map(toVideo), hasMore: rows.length > q.limit };
  }

  async markDeleted(id: string, projectId: string, now: number): Promise<VideoRecord | null> {
    this.dropVideo(id);
    const [row] = await this.db.query(
      `WITH u AS (UPDATE videos SET deleted_at = $3 WHERE id = $1 AND project_id = $2 AND deleted_at IS NULL RETURNING *)
       SELECT u.*, ${notifyEach('$4', '$5')} FROM u`,
      [id, projectId, now, CHANNEL, this.db.payload('video_changed', id)],
    );
    this.dropVideo(id);
    return row ? toVideo(row) : null;
  }

  // --- the job ---------------------------------------------------------------------------------

  async claimNext(owner: string, leaseMs: number, nowMs: number, skipEngines: string[] = []): Promise<VideoRecord | null> {
    // As the embedded store: the oldest queued job or the longest-lapsed lease of another runner
    // (one of ours is still running it here), whichever job is older. Each candidate is locked with
    // SKIP LOCKED, so runners claiming at once take different jobs; a candidate another claim holds
    // is passed over for the next one. (The candidate not chosen stays locked until this statement
    // ends: a claim running at that instant may find nothing and look again, as runners do.)
    const [row] = await this.db.query(
      `WITH queued AS (
         SELECT seq FROM videos WHERE status = 'queued' AND deleted_at IS NULL AND available_at <= $3
           AND engine <> ALL($4::text[]) ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED
       ), lapsed AS (
         SELECT seq FROM videos WHERE status = 'in_progress' AND deleted_at IS NULL AND lease_until < $3
           AND available_at <= $3 AND (lease_owner IS NULL OR lease_owner <> $1)
           AND engine <> ALL($4::text[]) ORDER BY lease_until, seq LIMIT 1 FOR UPDATE SKIP LOCKED
       ), pick AS (
         SELECT seq FROM (SELECT seq FROM queued UNION ALL SELECT seq FROM lapsed) c ORDER BY seq LIMIT 1
       )
       UPDATE videos v SET status = 'in_progress', lease_owner = $1, lease_until = $2, attempts = v.attempts + 1
       FROM pick WHERE v.seq = pick.seq RETURNING v.*`,
      [owner, nowMs + leaseMs, nowMs, skipEngines],
    );
    return row ? toVideo(row) : null;
  }

  async renewLeases(ids: string[], owner: string, leaseMs: number, nowMs: number): Promise<string[]> {
    if (!ids.length) return [];
    const rows = await this.db.query(
      `UPDATE videos SET lease_until = $3 WHERE id = ANY($1::text[]) AND lease_owner = $2 AND deleted_at IS NULL AND status = 'in_progress' RETURNING id`,
      [ids, owner, nowMs + leaseMs],
    );
    return rows.map((r) => r.id);
  }

  /** An update of a job this owner holds, NOTIFYing `kind` when it changed it. */
  private async owned(set: string, id: string, owner: string, params: unknown[], kind: StoreChange['kind'] | null): Promise<boolean> {
    const n = params.length;
    const sql = kind
      ? `WITH u AS (UPDATE videos SET ${set} WHERE ${OWNED} RETURNING id) SELECT ${notifyEach(`$${n + 3}`, `$${n + 4}`)} FROM u`
      : `UPDATE videos SET ${set} WHERE ${OWNED}`;
    const r = await this.db.pool.query(sql, kind ? [id, owner, ...params, CHANNEL, this.db.payload(kind, id)] : [id, owner, ...params]);
    return (r.rowCount ?? 0) > 0;
  }

  async setProgress(id: string, owner: string, progress: number): Promise<boolean> {
    return this.owned('progress = GREATEST(progress, LEAST($3::int, 99))', id, owner, [Math.max(0, Math.floor(progress))], 'video_changed');
  }

  async checkpoint(id: string, owner: string, state: unknown): Promise<boolean> {
    return this.owned('engine_state = $3', id, owner, [JSON.stringify(state ?? null)], null);
  }

  async complete(id: string, owner: string, completedAt: number, expiresAt: number, assets: AssetRecord[]): Promise<boolean> {
    this.dropVideo(id);
    const ok = await this.db.tx(
      async (c) => {
        const r = await c.query(
          `UPDATE videos SET status = 'completed', progress = 100, completed_at = $3, expires_at = $4, lease_owner = NULL, lease_until = NULL
           WHERE ${OWNED}`,
          [id, owner, completedAt, expiresAt],
        );
        if (!r.rowCount) return false;
        for (const a of assets) {
          await c.query(
            `INSERT INTO assets (video_id, variant, key, bytes, etag, content_type) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (video_id, variant) DO UPDATE SET key = excluded.key, bytes = excluded.bytes, etag = excluded.etag,
               content_type = excluded.content_type`,
            [a.videoId, a.variant, a.key, a.bytes, a.etag, a.contentType],
          );
        }
        await this.webhooks.enqueue(c, id, 'video.completed', completedAt); // the outbox: with the state, or not at all
        await this.db.notify(c, 'video_changed', id);
        return true;
      },
      { rollbackIf: (ok) => !ok },
    );
    this.dropVideo(id);
    return ok;
  }

  async fail(id: string, owner: string, completedAt: number, code: string, message: string): Promise<boolean> {
    this.dropVideo(id);
    const ok = await this.db.tx(
      async (c) => {
        const r = await c.query(
          `UPDATE videos SET status = 'failed', completed_at = $3, error_code = $4, error_message = $5, lease_owner = NULL, lease_until = NULL
           WHERE ${OWNED}`,
          [id, owner, completedAt, code, message],
        );
        if (!r.rowCount) return false;
        await this.webhooks.enqueue(c, id, 'video.failed', completedAt);
        await this.db.notify(c, 'video_changed', id);
        return true;
      },
      { rollbackIf: (ok) => !ok },
    );
    this.dropVideo(id);
    return ok;
  }

  async retryLater(id: string, owner: string, availableAtMs: number): Promise<boolean> {
    // Stays in_progress (status never goes back); the lapsed lease and available_at bring it back.
    return this.owned('available_at = $3, lease_owner = NULL, lease_until = 0', id, owner, [availableAtMs], null);
  }

  async releaseInterrupted(id: string, owner: string): Promise<boolean> {
    // Claimable at once: another process's runner may take it now.
    return this.owned('lease_owner = NULL, lease_until = 0, attempts = GREATEST(attempts - 1, 0)', id, owner, [], 'job_queued');
  }

  async releaseAllLeases(): Promise<number> {
    const rows = await this.db.query(
      `WITH u AS (UPDATE videos SET lease_owner = NULL, lease_until = 0 WHERE status = 'in_progress' RETURNING id)
       SELECT COUNT(*) AS n, CASE WHEN COUNT(*) > 0 THEN pg_notify($1, $2) END AS notified FROM u`,
      [CHANNEL, this.db.payload('job_queued')],
    );
    return rows[0].n;
  }

  // --- assets, expiry, purge -------------------------------------------------------------------

  async getAsset(videoId: string, variant: Variant): Promise<AssetRecord | null> {
    const [row] = await this.db.query('SELECT * FROM assets WHERE video_id = $1 AND variant = $2', [videoId, variant]);
    return row ? toAsset(row) : null;
  }

  async listAssets(videoId: string): Promise<AssetRecord[]> {
    return (await this.db.query('SELECT * FROM assets WHERE video_id = $1', [videoId])).map(toAsset);
  }

  async deleteAssetRows(videoId: string): Promise<void> {
    await this.db.query('DELETE FROM assets WHERE video_id = $1', [videoId]);
  }

  async listExpired(nowSec: number, limit: number): Promise<string[]> {
    return (await this.db.query(
      `SELECT id FROM videos WHERE status = 'completed' AND expired_at IS NULL AND expires_at <= $1 LIMIT $2`,
      [nowSec, limit],
    )).map((r) => r.id);
  }

  async markExpired(id: string, nowSec: number): Promise<void> {
    this.dropVideo(id);
    await this.db.query(
      `WITH u AS (UPDATE videos SET expired_at = $2 WHERE id = $1 RETURNING id) SELECT ${notifyEach('$3', '$4')} FROM u`,
      [id, nowSec, CHANNEL, this.db.payload('video_changed', id)],
    );
    this.dropVideo(id);
  }

  async listUnpurged(nowMs: number, limit: number): Promise<string[]> {
    // A deleted job still running keeps its lease until its runner lets go (or the lease lapses).
    return (await this.db.query(
      `SELECT id FROM videos WHERE deleted_at IS NOT NULL AND purged_at IS NULL AND (lease_owner IS NULL OR lease_until < $1) LIMIT $2`,
      [nowMs, limit],
    )).map((r) => r.id);
  }

  async markPurged(id: string, nowSec: number): Promise<void> {
    await this.db.query('UPDATE videos SET purged_at = $2 WHERE id = $1', [id, nowSec]);
  }

  // --- characters, idempotency, counts ---------------------------------------------------------

  async insertCharacter(c: CharacterRecord, idempotency?: IdempotencyBinding): Promise<void> {
    await this.db.tx(async (q) => {
      await q.query('INSERT INTO characters (id, project_id, name, created_at, clip_key, frame_key) VALUES ($1, $2, $3, $4, $5, $6)', [
        c.id, c.projectId, c.name, c.createdAt, c.clipKey, c.frameKey,
      ]);
      if (idempotency) await this.idempotency.bind(q, c.projectId, idempotency.key, c.id);
    });
  }

  async getCharacter(id: string, projectId: string): Promise<CharacterRecord | null> {
    const [r] = await this.db.query('SELECT * FROM characters WHERE id = $1 AND project_id = $2', [id, projectId]);
    return r
      ? { id: r.id, projectId: r.project_id, name: r.name, createdAt: r.created_at, clipKey: r.clip_key, frameKey: r.frame_key }
      : null;
  }

  async beginIdempotent(projectId: string, key: string, fingerprint: string, times: IdempotencyTimes): Promise<IdempotencyBegin> {
    return this.idempotency.begin(projectId, key, fingerprint, times);
  }

  async finishIdempotent(projectId: string, key: string, status: number, body: string): Promise<void> {
    await this.idempotency.finish(projectId, key, status, body);
  }

  async abandonIdempotent(projectId: string, key: string): Promise<void> {
    await this.idempotency.abandon(projectId, key);
  }

  async purgeIdempotency(beforeMs: number): Promise<number> {
    return this.idempotency.purge(beforeMs);
  }

  async countByStatus(): Promise<Record<VideoStatus, number>> {
    const out: Record<VideoStatus, number> = { queued: 0, in_progress: 0, completed: 0, failed: 0 };
    for (const r of await this.db.query('SELECT status, COUNT(*) AS n FROM videos WHERE deleted_at IS NULL GROUP BY status')) {
      out[r.status as VideoStatus] = r.n;
    }
    return out;
  }
}
