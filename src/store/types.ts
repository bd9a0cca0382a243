// Records the store keeps. The video row is the job.
import type { WebhookStore } from './webhook-types.js';

export type VideoStatus = 'queued' | 'in_progress' | 'completed' | 'failed';
export type VideoKind = 'create' | 'remix' | 'edit' | 'extension';
export type Variant = 'video' | 'thumbnail' | 'spritesheet';

export interface VideoParams {
  seed: number;
  fit: 'crop' | 'pad' | 'stretch' | 'reject';
  /** Blob key of the fitted reference image (PNG, exactly WxH). */
  referenceKey: string | null;
  /** Blob key of an uploaded source video (edits by file). */
  uploadKey: string | null;
  /** Character IDs named by this video. */
  characters: string[];
  /** Number of extensions in this video's chain (0 for a fresh video). */
  extensionCount: number;
  /** An extension: the seconds it adds (`seconds` holds the stitched total). */
  extendSeconds?: number;
}

export interface VideoRecord {
  id: string;
  projectId: string;
  model: string;
  status: VideoStatus;
  progress: number;
  createdAt: number;
  completedAt: number | null;
  expiresAt: number | null;
  prompt: string | null;
  size: string;
  seconds: string;
  remixedFromVideoId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  kind: VideoKind;
  sourceVideoId: string | null;
  params: VideoParams;
  engine: string;
  engineState: unknown;
  attempts: number;
  leaseOwner: string | null;
  leaseUntil: number | null;
  /** Milliseconds; a retried job waits until then. */
  availableAt: number;
  deletedAt: number | null;
  expiredAt: number | null;
}

export type NewVideo = Pick<
  VideoRecord,
  'id' | 'projectId' | 'model' | 'createdAt' | 'prompt' | 'size' | 'seconds' | 'remixedFromVideoId' | 'kind' | 'sourceVideoId' | 'params' | 'engine'
> & {
  /** Seconds this job adds to its project's quota (an extension: only the added seconds). */
  billedSeconds: number;
};

/** A project may queue at most `seconds` of video created since `sinceSec` (failed jobs do not count). */
export interface QuotaWindow {
  seconds: number;
  sinceSec: number;
}

export interface AssetRecord {
  videoId: string;
  variant: Variant;
  key: string;
  bytes: number;
  etag: string;
  contentType: string;
}

export interface CharacterRecord {
  id: string;
  projectId: string;
  name: string;
  createdAt: number;
  clipKey: string;
  frameKey: string;
}

/** A project's own limits; null: the server's setting applies. 0 turns a limit off for the project. */
export interface ProjectLimits {
  rateLimitRpm: number | null;
  quotaSecondsPerDay: number | null;
}

export interface ProjectRecord {
  id: string;
  name: string;
  createdAt: number;
  limits: ProjectLimits;
}

export interface KeyRecord {
  id: string;
  projectId: string;
  projectName: string;
  projectLimits: ProjectLimits;
  name: string;
  hint: string;
  createdAt: number;
  revokedAt: number | null;
}

/** What a request carrying an Idempotency-Key finds when it begins. */
export type IdempotencyBegin =
  /** The key is new (or free again): run the request, then finish or abandon the record. */
  | { state: 'started' }
  /** The same request was answered before: answer this again. */
  | { state: 'replay'; status: number; body: string }
  /** The same request stored this video or character, and its answer was never recorded. */
  | { state: 'stored'; resourceId: string }
  /** The same request is running now. */
  | { state: 'in_progress' }
  /** The key was used with a different request. */
  | { state: 'mismatch' };

export interface IdempotencyTimes {
  nowMs: number;
  /** Records older than this are gone: the key may be used again. */
  ttlMs: number;
  /** A record begun this long ago that stored nothing belongs to a request that died. */
  abandonAfterMs: number;
}

/** Binds what an insert stores to the request's Idempotency-Key record, in the same transaction. */
export interface IdempotencyBinding {
  key: string;
}

export interface ListQuery {
  projectId: string;
  afterId: string | null;
  limit: number;
  order: 'asc' | 'desc';
}

/**
 * A change another process committed to a store shared by several processes (PostgreSQL: LISTEN/
 * NOTIFY). Caches drop what it names; runners wake up for new jobs.
 */
export interface StoreChange {
  kind: 'job_queued' | 'video_changed' | 'keys_changed' | 'limits_changed' | 'webhook_due';
  /** The video (video_changed, job_queued) when there is one. */
  id?: string;
}

export interface Store {
  close(): Promise<void>;
  /**
   * Several processes share this store (PostgreSQL). When false (the embedded store) one process
   * owns it, so at start every lease still held belongs to a process that is gone.
   */
  readonly shared: boolean;
  /**
   * Calls `fn` for changes committed by other processes. The embedded store is owned by one
   * process (its pid lock), so it has none to report beyond what its caches already see.
   */
  onRemoteChange(fn: (change: StoreChange) => void): void;
  /**
   * A named lease among the processes sharing this store (the sweeper runs under one): true while
   * `owner` holds it, renewed by calling again before `ms` pass.
   */
  holdLease(name: string, owner: string, ms: number, nowMs: number): Promise<boolean>;
  /** Webhook endpoints, the event outbox and deliveries. */
  readonly webhooks: WebhookStore;

  ensureProject(name: string): Promise<string>;
  createKey(projectId: string, name: string, hash: string, hint: string): Promise<KeyRecord>;
  findKeyByHash(hash: string): Promise<KeyRecord | null>;
  /** An active key the store has cached in memory, without waiting; undefined means ask findKeyByHash. */
  cachedKey(hash: string): KeyRecord | undefined;
  listKeys(): Promise<KeyRecord[]>;
  revokeKey(id: string): Promise<boolean>;
  countActiveKeys(projectId: string): Promise<number>;
  projectLimits(projectId: string): Promise<ProjectLimits>;
  /** The project's limits when they are in memory (after projectLimits()), without waiting. */
  cachedProjectLimits(projectId: string): ProjectLimits | undefined;
  /** Creates the project if new; fields left out keep their value. */
  setProjectLimits(name: string, limits: Partial<ProjectLimits>): Promise<ProjectRecord>;
  listProjects(): Promise<ProjectRecord[]>;

  /** With a quota: null (and nothing stored) when this video would take the project past it. */
  insertVideo(v: NewVideo, quota?: QuotaWindow, idempotency?: IdempotencyBinding): Promise<VideoRecord | null>;
  /** Seconds billed to a project since then, failed jobs excluded. */
  billedSecondsSince(projectId: string, sinceSec: number): Promise<number>;
  getVideo(id: string, projectId: string): Promise<VideoRecord | null>;
  /** A finished video the store has cached in memory, without waiting; undefined means ask getVideo. */
  cachedVideo(id: string, projectId: string): VideoRecord | undefined;
  /** Ignores project and deletion: for the runner. */
  getVideoById(id: string): Promise<VideoRecord | null>;
  /** null when `afterId` is not one of the project's videos. */
  listVideos(q: ListQuery): Promise<{ data: VideoRecord[]; hasMore: boolean } | null>;
  markDeleted(id: string, projectId: string, now: number): Promise<VideoRecord | null>;

  /** The oldest claimable job whose engine is not in `skipEngines` (those are at their limit). */
  claimNext(owner: string, leaseMs: number, nowMs: number, skipEngines?: string[]): Promise<VideoRecord | null>;
  /** Renews the leases of these jobs in one write; returns the ids still ours (not deleted, not taken over). */
  renewLeases(ids: string[], owner: string, leaseMs: number, nowMs: number): Promise<string[]>;
  setProgress(id: string, owner: string, progress: number): Promise<boolean>;
  checkpoint(id: string, owner: string, state: unknown): Promise<boolean>;
  complete(id: string, owner: string, completedAt: number, expiresAt: number, assets: AssetRecord[]): Promise<boolean>;
  fail(id: string, owner: string, completedAt: number, code: string, message: string): Promise<boolean>;
  /** Gives the job back until `availableAtMs`; it stays in_progress (status never goes back to queued). */
  retryLater(id: string, owner: string, availableAtMs: number): Promise<boolean>;
  /** A job interrupted by shutdown stays in_progress with a lapsed lease, and its attempt is given back. */
  releaseInterrupted(id: string, owner: string): Promise<boolean>;
  /** Jobs left in_progress by a process that is gone go back to the queue. */
  releaseAllLeases(): Promise<number>;

  getAsset(videoId: string, variant: Variant): Promise<AssetRecord | null>;
  listAssets(videoId: string): Promise<AssetRecord[]>;
  deleteAssetRows(videoId: string): Promise<void>;
  /** Completed videos past expires_at whose assets are still on disk. */
  listExpired(nowSec: number, limit: number): Promise<string[]>;
  markExpired(id: string, nowSec: number): Promise<void>;
  /** Deleted videos whose files may remain and that no runner holds (or whose lease lapsed). */
  listUnpurged(nowMs: number, limit: number): Promise<string[]>;
  /** Its files and asset rows are gone. */
  markPurged(id: string, nowSec: number): Promise<void>;

  insertCharacter(c: CharacterRecord, idempotency?: IdempotencyBinding): Promise<void>;

  beginIdempotent(projectId: string, key: string, fingerprint: string, times: IdempotencyTimes): Promise<IdempotencyBegin>;
  /** Records the answer a retry with this key gets. */
  finishIdempotent(projectId: string, key: string, status: number, body: string): Promise<void>;
  /** The request failed before storing anything: a retry runs it afresh. */
  abandonIdempotent(projectId: string, key: string): Promise<void>;
  /** Removes records begun before `beforeMs`; returns how many. */
  purgeIdempotency(beforeMs: number): Promise<number>;
  getCharacter(id: string, projectId: string): Promise<CharacterRecord | null>;

  countByStatus(): Promise<Record<VideoStatus, number>>;
}
