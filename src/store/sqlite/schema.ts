// Migrations for the embedded store, applied in order; user_version records the last applied.
export const MIGRATIONS: string[] = [
  `
  CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    name TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    hint TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
  );
  CREATE TABLE videos (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    project_id TEXT NOT NULL,
    model TEXT NOT NULL,
    status TEXT NOT NULL,
    progress INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    completed_at INTEGER,
    expires_at INTEGER,
    prompt TEXT,
    size TEXT NOT NULL,
    seconds TEXT NOT NULL,
    remixed_from_video_id TEXT,
    error_code TEXT,
    error_message TEXT,
    kind TEXT NOT NULL,
    source_video_id TEXT,
    params TEXT NOT NULL,
    engine TEXT NOT NULL,
    engine_state TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until INTEGER,
    available_at INTEGER NOT NULL DEFAULT 0,
    deleted_at INTEGER,
    expired_at INTEGER
  );
  CREATE INDEX videos_project_seq ON videos(project_id, seq) WHERE deleted_at IS NULL;
  CREATE INDEX videos_queue ON videos(status, available_at, seq) WHERE deleted_at IS NULL;
  CREATE INDEX videos_expiry ON videos(expires_at) WHERE expired_at IS NULL AND status = 'completed';
  CREATE TABLE assets (
    video_id TEXT NOT NULL,
    variant TEXT NOT NULL,
    key TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    etag TEXT NOT NULL,
    content_type TEXT NOT NULL,
    PRIMARY KEY (video_id, variant)
  );
  CREATE TABLE characters (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    clip_key TEXT NOT NULL,
    frame_key TEXT NOT NULL
  );
  `,
  // 2: quotas count the seconds each job adds (an extension's row holds the stitched total).
  `
  ALTER TABLE videos ADD COLUMN billed_seconds INTEGER NOT NULL DEFAULT 0;
  UPDATE videos SET billed_seconds = CAST(seconds AS INTEGER);
  CREATE INDEX videos_project_created ON videos(project_id, created_at);
  `,
  // 3: claims reach the oldest queued job and any lapsed lease without scanning the jobs in progress.
  `
  CREATE INDEX videos_queued ON videos(seq) WHERE status = 'queued' AND deleted_at IS NULL;
  CREATE INDEX videos_leases ON videos(lease_until) WHERE status = 'in_progress' AND deleted_at IS NULL;
  `,
  // 4: a deleted video is purged (its files and asset rows removed) durably: until purged_at is set
  // the sweeper keeps trying, so a crash between the delete and the file removal leaves nothing behind.
  `
  ALTER TABLE videos ADD COLUMN purged_at INTEGER;
  CREATE INDEX videos_unpurged ON videos(deleted_at) WHERE deleted_at IS NOT NULL AND purged_at IS NULL;
  `,
  // 5: a project's own rate limit and quota (NULL: the server's setting).
  `
  ALTER TABLE projects ADD COLUMN rate_limit_rpm INTEGER;
  ALTER TABLE projects ADD COLUMN quota_seconds_per_day INTEGER;
  `,
  // 6: Idempotency-Key records: the first answer to a POST, replayed to a retry with the same key.
  // resource_id is set in the transaction that stores the video or character, so a request that
  // dies before its answer is recorded is still never run twice.
  `
  CREATE TABLE idempotency_keys (
    project_id TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    resource_id TEXT,
    response_status INTEGER,
    response_body TEXT,
    PRIMARY KEY (project_id, key)
  );
  CREATE INDEX idempotency_created ON idempotency_keys(created_at);
  `,
];
