// The embedded store: one SQLite file in WAL mode, used by one reelay process.
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { MIGRATIONS } from './schema.js';
import { SqliteWebhooks } from './webhooks.js';
import { IdempotencyTable } from './idempotency.js';
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
  Variant,
  VideoRecord,
  VideoStatus,
} from '../types.js';

type Row = Record<string, any>;

/** Finished videos kept in memory for polling. */
const FINISHED_CACHE_SIZE = 1000;

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
/** How stale the caches may be after another process commits. */
export const VERSION_CHECK_MS = 10;

const KEY_SELECT = `SELECT k.*, p.name AS project_name, p.rate_limit_rpm, p.quota_seconds_per_day
  FROM api_keys k JOIN projects p ON p.id = k.project_id`;

const OWNED = 'id = @id AND lease_owner = @owner AND deleted_at IS NULL AND status = \'in_progress\'';

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly stmts: Record<string, Database.Statement>;
  readonly webhooks: SqliteWebhooks;
  private readonly idempotency: IdempotencyTable;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    this.webhooks = new SqliteWebhooks(this.db);
    this.idempotency = new IdempotencyTable(this.db);
    const p = (sql: string) => this.db.prepare(sql);
    this.stmts = {
      getVideo: p('SELECT * FROM videos WHERE id = ? AND project_id = ? AND deleted_at IS NULL'),
      getVideoById: p('SELECT * FROM videos WHERE id = ?'),
      seqOf: p('SELECT seq FROM videos WHERE id = ? AND project_id = ?'),
      listDesc: p('SELECT * FROM videos WHERE project_id = ? AND deleted_at IS NULL AND seq < ? ORDER BY seq DESC LIMIT ?'),
      listAsc: p('SELECT * FROM videos WHERE project_id = ? AND deleted_at IS NULL AND seq > ? ORDER BY seq ASC LIMIT ?'),
      // A lapsed lease is taken over only from another runner: one of ours is still running it here.
      // Two index walks, never a scan of the jobs in progress: the oldest queued job (videos_queued) and the
      // longest-lapsed lease (videos_leases; ties, as after a restart, in creation order); the older job wins.
      claim: p(`UPDATE videos SET status = 'in_progress', lease_owner = @owner, lease_until = @until, attempts = attempts + 1
        WHERE seq = (SELECT seq FROM (
          SELECT * FROM (SELECT seq FROM videos INDEXED BY videos_queued WHERE status = 'queued' AND deleted_at IS NULL AND available_at <= @now
            AND engine NOT IN (SELECT value FROM json_each(@skip)) ORDER BY seq LIMIT 1)
          UNION ALL
          SELECT * FROM (SELECT seq FROM videos INDEXED BY videos_leases WHERE status = 'in_progress' AND deleted_at IS NULL AND lease_until < @now
            AND available_at <= @now AND (lease_owner IS NULL OR lease_owner != @owner)
            AND engine NOT IN (SELECT value FROM json_each(@skip)) ORDER BY lease_until, seq LIMIT 1)
        ) ORDER BY seq LIMIT 1)
        RETURNING *`),
      // By id (the unary + keeps the planner off the status index, which would walk every job in progress).
      renewMany: p(`UPDATE videos SET lease_until = @until WHERE id IN (SELECT value FROM json_each(@ids))
        AND lease_owner = @owner AND +deleted_at IS NULL AND +status = 'in_progress' RETURNING id`),
      progress: p(`UPDATE videos SET progress = MAX(progress, MIN(@progress, 99)) WHERE ${OWNED}`),
      checkpoint: p(`UPDATE videos SET engine_state = @state WHERE ${OWNED}`),
      complete: p(`UPDATE videos SET status = 'completed', progress = 100, completed_at = @completedAt, expires_at = @expiresAt,
        lease_owner = NULL, lease_until = NULL WHERE ${OWNED}`),
      fail: p(`UPDATE videos SET status = 'failed', completed_at = @completedAt, error_code = @code, error_message = @message,
        lease_owner = NULL, lease_until = NULL WHERE ${OWNED}`),
      // Stays in_progress (status never goes back); the lapsed lease and available_at bring it back.
      retry: p(`UPDATE videos SET available_at = @availableAt, lease_owner = NULL, lease_until = 0 WHERE ${OWNED}`),
      releaseInterrupted: p(`UPDATE videos SET lease_owner = NULL, lease_until = 0, attempts = MAX(attempts - 1, 0) WHERE ${OWNED}`),
      releaseAll: p(`UPDATE videos SET lease_owner = NULL, lease_until = 0 WHERE status = 'in_progress'`),
      markDeleted: p('UPDATE videos SET deleted_at = @now WHERE id = @id AND project_id = @projectId AND deleted_at IS NULL RETURNING *'),
      putAsset: p(`INSERT OR REPLACE INTO assets (video_id, variant, key, bytes, etag, content_type)
        VALUES (@videoId, @variant, @key, @bytes, @etag, @contentType)`),
      getAsset: p('SELECT * FROM assets WHERE video_id = ? AND variant = ?'),
      listAssets: p('SELECT * FROM assets WHERE video_id = ?'),
      deleteAssets: p('DELETE FROM assets WHERE video_id = ?'),
      listExpired: p(`SELECT id FROM videos WHERE status = 'completed' AND expired_at IS NULL AND expires_at <= ? LIMIT ?`),
      markExpired: p('UPDATE videos SET expired_at = ? WHERE id = ?'),
      // A deleted job still running keeps its lease until its runner lets go (or the lease lapses).
      listUnpurged: p(`SELECT id FROM videos INDEXED BY videos_unpurged WHERE deleted_at IS NOT NULL AND purged_at IS NULL
        AND (lease_owner IS NULL OR lease_until < ?) LIMIT ?`),
      markPurged: p('UPDATE videos SET purged_at = ? WHERE id = ?'),
      insertVideo: p(`INSERT INTO videos (id, project_id, model, status, progress, created_at, prompt, size, seconds,
        remixed_from_video_id, kind, source_video_id, params, engine, billed_seconds)
        VALUES (@id, @projectId, @model, 'queued', 0, @createdAt, @prompt, @size, @seconds,
        @remixedFromVideoId, @kind, @sourceVideoId, @params, @engine, @billedSeconds) RETURNING *`),
      billedSince: p(`SELECT COALESCE(SUM(billed_seconds), 0) FROM videos
        WHERE project_id = ? AND created_at >= ? AND status != 'failed'`).pluck(),
      insertCharacter: p(`INSERT INTO characters (id, project_id, name, created_at, clip_key, frame_key)
        VALUES (@id, @projectId, @name, @createdAt, @clipKey, @frameKey)`),
      getCharacter: p('SELECT * FROM characters WHERE id = ? AND project_id = ?'),
      countByStatus: p('SELECT status, COUNT(*) AS n FROM videos WHERE deleted_at IS NULL GROUP BY status'),
      projectByName: p('SELECT id FROM projects WHERE name = ?'),
      insertProject: p('INSERT INTO projects (id, name, created_at) VALUES (?, ?, ?)'),
      insertKey: p('INSERT INTO api_keys (id, project_id, name, hash, hint, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
      dataVersion: p('PRAGMA data_version').pluck(),
      keyByHash: p(`${KEY_SELECT}
        WHERE k.hash = ? AND k.revoked_at IS NULL`),
      keyById: p(`${KEY_SELECT} WHERE k.id = ?`),
      listKeys: p(`${KEY_SELECT} ORDER BY k.created_at, k.id`),
      projectById: p('SELECT * FROM projects WHERE id = ?'),
      listProjects: p('SELECT * FROM projects ORDER BY created_at, name'),
      setRateLimit: p('UPDATE projects SET rate_limit_rpm = ? WHERE id = ?'),
      setQuota: p('UPDATE projects SET quota_seconds_per_day = ? WHERE id = ?'),
      revokeKey: p('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
      countKeys: p('SELECT COUNT(*) AS n FROM api_keys WHERE project_id = ? AND revoked_at IS NULL'),
    };
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    for (let i = version; i < MIGRATIONS.length; i++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[i]);
        this.db.pragma(`user_version = ${i + 1}`);
      })();
    }
  }

  readonly shared = false;

  onRemoteChange(): void {
    // One process owns the file; another process's commits (the CLI's) reach the caches through
    // PRAGMA data_version, and nothing else needs telling.
  }

  async holdLease(): Promise<boolean> {
    return true; // the only process on this store holds every lease
  }

  async close(): Promise<void> {
    this.db.close();
  }

  async ensureProject(name: string): Promise<string> {
    const row = this.stmts.projectByName.get(name) as Row | undefined;
    if (row) return row.id;
    const id = `proj_${randomBytes(12).toString('hex')}`;
    this.stmts.insertProject.run(id, name, Math.floor(Date.now() / 1000));
    return id;
  }

  async createKey(projectId: string, name: string, hash: string, hint: string): Promise<KeyRecord> {
    const id = `key_${randomBytes(8).toString('hex')}`;
    this.stmts.insertKey.run(id, projectId, name, hash, hint, Math.floor(Date.now() / 1000));
    this.keyCache.clear();
    return toKey(this.stmts.keyById.get(id) as Row);
  }

  // The API's hot reads are cached: every /v1 request looks its key up, and apps poll finished
  // videos, whose rows no longer change until they are deleted or expire (both written through
  // here, which evicts them). Both caches are dropped when another connection (the `reelay keys`
  // CLI) commits anything, which SQLite reports through PRAGMA data_version, asked at most once
  // every VERSION_CHECK_MS (the pragma takes a read lock, about 13 µs): a key revoked elsewhere
  // stops working within that.
  private readonly keyCache = new Map<string, KeyRecord>();
  private readonly finishedCache = new Map<string, VideoRecord>();
  private readonly limitsCache = new Map<string, ProjectLimits>();
  private seenVersion = -1;
  private versionCheckDue = true;

  private syncCaches(): void {
    // A timer re-arms the check while reads keep coming: no clock read per call.
    if (!this.versionCheckDue) return;
    this.versionCheckDue = false;
    setTimeout(() => (this.versionCheckDue = true), VERSION_CHECK_MS).unref();
    const version = this.stmts.dataVersion.get() as number;
    if (version !== this.seenVersion) {
      this.keyCache.clear();
      this.finishedCache.clear();
      this.limitsCache.clear();
      this.seenVersion = version;
    }
  }

  async findKeyByHash(hash: string): Promise<KeyRecord | null> {
    this.syncCaches();
    const cached = this.keyCache.get(hash);
    if (cached) return cached;
    const row = this.stmts.keyByHash.get(hash) as Row | undefined;
    if (!row) return null;
    const rec = toKey(row);
    if (this.keyCache.size < 10_000) this.keyCache.set(hash, rec);
    return rec;
  }

  cachedKey(hash: string): KeyRecord | undefined {
    this.syncCaches();
    return this.keyCache.get(hash);
  }

  async listKeys(): Promise<KeyRecord[]> {
    return (this.stmts.listKeys.all() as Row[]).map(toKey);
  }

  async revokeKey(id: string): Promise<boolean> {
    this.keyCache.clear();
    return this.stmts.revokeKey.run(Math.floor(Date.now() / 1000), id).changes > 0;
  }

  async projectLimits(projectId: string): Promise<ProjectLimits> {
    this.syncCaches();
    let limits = this.limitsCache.get(projectId);
    if (!limits) {
      const row = this.stmts.projectById.get(projectId) as Row | undefined;
      limits = row ? toLimits(row) : { rateLimitRpm: null, quotaSecondsPerDay: null };
      this.limitsCache.set(projectId, limits);
    }
    return limits;
  }

  cachedProjectLimits(projectId: string): ProjectLimits | undefined {
    this.syncCaches();
    return this.limitsCache.get(projectId);
  }

  async setProjectLimits(name: string, limits: Partial<ProjectLimits>): Promise<ProjectRecord> {
    const id = await this.ensureProject(name);
    this.db.transaction(() => {
      if (limits.rateLimitRpm !== undefined) this.stmts.setRateLimit.run(limits.rateLimitRpm, id);
      if (limits.quotaSecondsPerDay !== undefined) this.stmts.setQuota.run(limits.quotaSecondsPerDay, id);
    })();
    // Keys carry their project's limits.
    this.keyCache.clear();
    this.limitsCache.clear();
    return toProject(this.stmts.projectById.get(id) as Row);
  }

  async listProjects(): Promise<ProjectRecord[]> {
    return (this.stmts.listProjects.all() as Row[]).map(toProject);
  }

  async countActiveKeys(projectId: string): Promise<number> {
    return (this.stmts.countKeys.get(projectId) as Row).n;
  }

  async insertVideo(v: NewVideo, quota?: QuotaWindow, idempotency?: IdempotencyBinding): Promise<VideoRecord | null> {
    // One transaction: two requests racing for the last seconds of a quota cannot both get in.
    return this.db.transaction(() => {
      if (quota && (this.stmts.billedSince.get(v.projectId, quota.sinceSec) as number) + v.billedSeconds > quota.seconds) return null;
      const rec = toVideo(this.stmts.insertVideo.get({ ...v, params: JSON.stringify(v.params) }) as Row);
      if (idempotency) this.idempotency.bind(v.projectId, idempotency.key, rec.id);
      return rec;
    }).immediate();
  }

  async billedSecondsSince(projectId: string, sinceSec: number): Promise<number> {
    return this.stmts.billedSince.get(projectId, sinceSec) as number;
  }

  cachedVideo(id: string, projectId: string): VideoRecord | undefined {
    this.syncCaches();
    const hit = this.finishedCache.get(id);
    return hit?.projectId === projectId ? hit : undefined;
  }

  async getVideo(id: string, projectId: string): Promise<VideoRecord | null> {
    this.syncCaches();
    const hit = this.finishedCache.get(id);
    if (hit) return hit.projectId === projectId ? hit : null;
    const row = this.stmts.getVideo.get(id, projectId) as Row | undefined;
    if (!row) return null;
    const v = toVideo(row);
    if (v.status === 'completed' || v.status === 'failed') {
      // Bounded (prompts can be 32k characters): the oldest entry goes first.
      if (this.finishedCache.size >= FINISHED_CACHE_SIZE) this.finishedCache.delete(this.finishedCache.keys().next().value!);
      this.finishedCache.set(id, v);
    }
    return v;
  }

  async getVideoById(id: string): Promise<VideoRecord | null> {
    const row = this.stmts.getVideoById.get(id) as Row | undefined;
    return row ? toVideo(row) : null;
  }

  async listVideos(q: ListQuery): Promise<{ data: VideoRecord[]; hasMore: boolean } | null> {
    let cursor = q.order === 'desc' ? Number.MAX_SAFE_INTEGER : 0;
    if (q.afterId) {
      const row = this.stmts.seqOf.get(q.afterId, q.projectId) as Row | undefined;
      if (!row) return null;
      cursor = row.seq;
    }
    const stmt = q.order === 'desc' ? this.stmts.listDesc : this.stmts.listAsc;
    const rows = stmt.all(q.projectId, cursor, q.limit + 1) as Row[];
    return { data: rows.slice(0, q.limit).map(toVideo), hasMore: rows.length > q.limit };
  }

  async markDeleted(id: string, projectId: string, now: number): Promise<VideoRecord | null> {
    this.finishedCache.delete(id);
    const row = this.stmts.markDeleted.get({ id, projectId, now }) as Row | undefined;
    return row ? toVideo(row) : null;
  }

  async claimNext(owner: string, leaseMs: number, nowMs: number, skipEngines: string[] = []): Promise<VideoRecord | null> {
    const row = this.stmts.claim.get({ owner, until: nowMs + leaseMs, now: nowMs, skip: JSON.stringify(skipEngines) }) as Row | undefined;
    return row ? toVideo(row) : null;
  }

  async renewLeases(ids: string[], owner: string, leaseMs: number, nowMs: number): Promise<string[]> {
    if (!ids.length) return [];
    const rows = this.stmts.renewMany.all({ ids: JSON.stringify(ids), owner, until: nowMs + leaseMs }) as Row[];
    return rows.map((r) => r.id);
  }

  async setProgress(id: string, owner: string, progress: number): Promise<boolean> {
    return this.stmts.progress.run({ id, owner, progress: Math.max(0, Math.floor(progress)) }).changes > 0;
  }

  async checkpoint(id: string, owner: string, state: unknown): Promise<boolean> {
    return this.stmts.checkpoint.run({ id, owner, state: JSON.stringify(state ?? null) }).changes > 0;
  }

  async complete(id: string, owner: string, completedAt: number, expiresAt: number, assets: AssetRecord[]): Promise<boolean> {
    return this.db.transaction(() => {
      const ok = this.stmts.complete.run({ id, owner, completedAt, expiresAt }).changes > 0;
      if (!ok) return false;
      for (const a of assets) this.stmts.putAsset.run(a);
      this.webhooks.enqueueSync(id, 'video.completed', completedAt); // the outbox: with the state, or not at all
      return true;
    })();
  }

  async fail(id: string, owner: string, completedAt: number, code: string, message: string): Promise<boolean> {
    return this.db.transaction(() => {
      const ok = this.stmts.fail.run({ id, owner, completedAt, code, message }).changes > 0;
      if (ok) this.webhooks.enqueueSync(id, 'video.failed', completedAt);
      return ok;
    })();
  }

  async retryLater(id: string, owner: string, availableAtMs: number): Promise<boolean> {
    return this.stmts.retry.run({ id, owner, availableAt: availableAtMs }).changes > 0;
  }

  async releaseInterrupted(id: string, owner: string): Promise<boolean> {
    return this.stmts.releaseInterrupted.run({ id, owner }).changes > 0;
  }

  async releaseAllLeases(): Promise<number> {
    return this.stmts.releaseAll.run().changes;
  }

  async getAsset(videoId: string, variant: Variant): Promise<AssetRecord | null> {
    const row = this.stmts.getAsset.get(videoId, variant) as Row | undefined;
    return row ? toAsset(row) : null;
  }

  async listAssets(videoId: string): Promise<AssetRecord[]> {
    return (this.stmts.listAssets.all(videoId) as Row[]).map(toAsset);
  }

  async deleteAssetRows(videoId: string): Promise<void> {
    this.stmts.deleteAssets.run(videoId);
  }

  async listExpired(nowSec: number, limit: number): Promise<string[]> {
    return (this.stmts.listExpired.all(nowSec, limit) as Row[]).map((r) => r.id);
  }

  async markExpired(id: string, nowSec: number): Promise<void> {
    this.finishedCache.delete(id);
    this.stmts.markExpired.run(nowSec, id);
  }

  async listUnpurged(nowMs: number, limit: number): Promise<string[]> {
    return (this.stmts.listUnpurged.all(nowMs, limit) as Row[]).map((r) => r.id);
  }

  async markPurged(id: string, nowSec: number): Promise<void> {
    this.stmts.markPurged.run(nowSec, id);
  }

  async insertCharacter(c: CharacterRecord, idempotency?: IdempotencyBinding): Promise<void> {
    this.db.transaction(() => {
      this.stmts.insertCharacter.run(c);
      if (idempotency) this.idempotency.bind(c.projectId, idempotency.key, c.id);
    })();
  }

  async beginIdempotent(projectId: string, key: string, fingerprint: string, times: IdempotencyTimes): Promise<IdempotencyBegin> {
    return this.idempotency.begin(projectId, key, fingerprint, times);
  }

  async finishIdempotent(projectId: string, key: string, status: number, body: string): Promise<void> {
    this.idempotency.finish(projectId, key, status, body);
  }

  async abandonIdempotent(projectId: string, key: string): Promise<void> {
    this.idempotency.abandon(projectId, key);
  }

  async purgeIdempotency(beforeMs: number): Promise<number> {
    return this.idempotency.purge(beforeMs);
  }

  async getCharacter(id: string, projectId: string): Promise<CharacterRecord | null> {
    const r = this.stmts.getCharacter.get(id, projectId) as Row | undefined;
    return r
      ? { id: r.id, projectId: r.project_id, name: r.name, createdAt: r.created_at, clipKey: r.clip_key, frameKey: r.frame_key }
      : null;
  }

  async countByStatus(): Promise<Record<VideoStatus, number>> {
    const out: Record<VideoStatus, number> = { queued: 0, in_progress: 0, completed: 0, failed: 0 };
    for (const r of this.stmts.countByStatus.all() as Row[]) out[r.status as VideoStatus] = r.n;
    return out;
  }
}
