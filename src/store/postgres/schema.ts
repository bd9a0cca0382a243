// Migrations for the PostgreSQL store, applied in order at start; schema_migrations records each
// version applied. Every process runs them under one advisory lock, so processes starting at once
// never race: the first applies what is missing, the others then find nothing to do.
//
// The tables are the embedded store's (src/store/sqlite/schema.ts, migrations 1-7 as they stand),
// in PostgreSQL types: times and sizes are BIGINT (milliseconds pass 2^31), read back as JS
// numbers by the pool's type parser; JSON columns stay TEXT, so params and engine state come back
// byte for byte as they were written, as they do from SQLite.
import type pg from 'pg';

export const MIGRATIONS: string[] = [
  // 1: the embedded store's schema as of its migration 7, and the named leases of holdLease.
  `
  CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    rate_limit_rpm BIGINT,
    quota_seconds_per_day BIGINT
  );
  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    name TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    hint TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
  );
  CREATE TABLE videos (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    project_id TEXT NOT NULL,
    model TEXT NOT NULL,
    status TEXT NOT NULL,
    progress INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    completed_at BIGINT,
    expires_at BIGINT,
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
    lease_until BIGINT,
    available_at BIGINT NOT NULL DEFAULT 0,
    deleted_at BIGINT,
    expired_at BIGINT,
    billed_seconds BIGINT NOT NULL DEFAULT 0,
    purged_at BIGINT
  );
  CREATE INDEX videos_project_seq ON videos(project_id, seq) WHERE deleted_at IS NULL;
  CREATE INDEX videos_project_created ON videos(project_id, created_at);
  CREATE INDEX videos_expiry ON videos(expires_at) WHERE expired_at IS NULL AND status = 'completed';
  -- Claims reach the oldest queued job and the longest-lapsed lease without scanning the jobs in progress.
  CREATE INDEX videos_queued ON videos(seq) WHERE status = 'queued' AND deleted_at IS NULL;
  CREATE INDEX videos_leases ON videos(lease_until, seq) WHERE status = 'in_progress' AND deleted_at IS NULL;
  CREATE INDEX videos_unpurged ON videos(deleted_at) WHERE deleted_at IS NOT NULL AND purged_at IS NULL;
  CREATE TABLE assets (
    video_id TEXT NOT NULL,
    variant TEXT NOT NULL,
    key TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    etag TEXT NOT NULL,
    content_type TEXT NOT NULL,
    PRIMARY KEY (video_id, variant)
  );
  CREATE TABLE characters (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    clip_key TEXT NOT NULL,
    frame_key TEXT NOT NULL
  );
  CREATE TABLE idempotency_keys (
    project_id TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    resource_id TEXT,
    response_status INTEGER,
    response_body TEXT,
    PRIMARY KEY (project_id, key)
  );
  CREATE INDEX idempotency_created ON idempotency_keys(created_at);
  CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    old_secret TEXT,
    old_secret_until BIGINT,
    source TEXT NOT NULL DEFAULT 'cli',
    created_at BIGINT NOT NULL,
    disabled_at BIGINT,
    disabled_reason TEXT
  );
  CREATE INDEX webhook_endpoints_project ON webhook_endpoints(project_id);
  CREATE TABLE webhook_events (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    type TEXT NOT NULL,
    video_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    payload TEXT NOT NULL
  );
  CREATE TABLE webhook_deliveries (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    started_at BIGINT NOT NULL,
    next_attempt_at BIGINT,
    last_attempt_at BIGINT,
    last_status_code INTEGER,
    last_error TEXT,
    finished_at BIGINT,
    UNIQUE (event_id, endpoint_id)
  );
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE status = 'pending';
  CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, seq);
  CREATE TABLE webhook_attempts (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_seq BIGINT NOT NULL,
    attempted_at BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    status_code INTEGER,
    error TEXT,
    outcome TEXT NOT NULL
  );
  CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_seq, seq);
  CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    until BIGINT NOT NULL
  );
  `,
];

/** The advisory lock every process takes to migrate (any constant; this one spells "reelay"). */
const MIGRATION_LOCK = 0x7265656c6179;

/** Applies the migrations not yet recorded, each in its own transaction, under the advisory lock. */
export async function migrate(client: pg.ClientBase): Promise<number> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    // Under the lock: CREATE TABLE IF NOT EXISTS from two sessions at once can itself collide.
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
    const { rows } = await client.query<{ v: number }>('SELECT COALESCE(MAX(version), 0)::int AS v FROM schema_migrations');
    const from = rows[0].v;
    for (let i = from; i < MIGRATIONS.length; i++) {
      await client.query('BEGIN');
      try {
        await client.query(MIGRATIONS[i]);
        await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [i + 1, Date.now()]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
    }
    return MIGRATIONS.length - Math.min(from, MIGRATIONS.length);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
  }
}
