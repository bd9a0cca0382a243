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
  // 7: webhooks. Endpoints per project; events written in the transaction that finishes the video
  // (the outbox), one delivery per endpoint and event, and every attempt made, for `webhooks deliveries`.
  `
  CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    old_secret TEXT,
    old_secret_until INTEGER,
    source TEXT NOT NULL DEFAULT 'cli',
    created_at INTEGER NOT NULL,
    disabled_at INTEGER,
    disabled_reason TEXT
  );
  CREATE INDEX webhook_endpoints_project ON webhook_endpoints(project_id);
  CREATE TABLE webhook_events (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    type TEXT NOT NULL,
    video_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    payload TEXT NOT NULL
  );
  CREATE TABLE webhook_deliveries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    started_at INTEGER NOT NULL,
    next_attempt_at INTEGER,
    last_attempt_at INTEGER,
    last_status_code INTEGER,
    last_error TEXT,
    finished_at INTEGER,
    UNIQUE (event_id, endpoint_id)
  );
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE status = 'pending';
  CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, seq);
  CREATE TABLE webhook_attempts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_seq INTEGER NOT NULL,
    attempted_at INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    status_code INTEGER,
    error TEXT,
    outcome TEXT NOT NULL
  );
  CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_seq, seq);
  `,
];
