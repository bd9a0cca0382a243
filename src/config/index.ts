// One typed Config object, loaded from defaults < config file < environment.
import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { cpus } from 'node:os';
import { parseUpstreams, type UpstreamConfig } from '../engines/upstream/config.js';
import { parseComfyui, type ComfyConfig } from '../engines/comfyui/config.js';
import { parseWebhooks, type WebhookConfig } from '../webhooks/config.js';

export type FitPolicy = 'crop' | 'pad' | 'stretch' | 'reject';
/** What a process does: `api` takes requests and never renders; `worker` claims and runs jobs; `all` both. */
export type Role = 'all' | 'api' | 'worker';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** When set, this key is valid for the default project (never stored). */
  apiKey: string | null;
  logLevel: string;
  /** Parallel jobs in this process. */
  concurrency: number;
  /** Hours after completion that assets stay downloadable. */
  retentionHours: number;
  sweepIntervalMs: number;
  /** A claimed job whose lease is not renewed within this time is taken over by another attempt. */
  jobLeaseMs: number;
  /** Attempts before a job that keeps crashing or erroring is failed. */
  jobMaxAttempts: number;
  /** On SIGTERM, how long running jobs may finish before they are interrupted (they resume on restart). */
  shutdownGraceMs: number;
  /** Largest JSON body. */
  maxBodyBytes: number;
  /** Largest uploaded file (reference image, video for edits, character clip). */
  maxUploadBytes: number;
  /** Decoded pixel cap for reference images (decompression bombs). */
  maxImagePixels: number;
  referenceFit: FitPolicy;
  imageUrlAllowPrivate: boolean;
  imageUrlTimeoutMs: number;
  /** When set, assets go to this S3-compatible bucket (else to disk under dataDir). */
  s3Bucket: string | null;
  /** e.g. http://127.0.0.1:9000 (MinIO); unset: AWS S3. */
  s3Endpoint: string | null;
  s3Region: string;
  /** Prepended to every object key. */
  s3Prefix: string;
  /** Bucket in the path, not the host name (MinIO, s3rver). */
  s3ForcePathStyle: boolean;
  /** Downloads answer 302 to a presigned URL (5 minutes) instead of streaming through reelay. */
  s3Redirect: boolean;
  ffmpegPath: string | null;
  ffprobePath: string | null;
  /** Frames per second of the local engine. */
  localFps: number;
  /** Servers that speak /v1/videos, relayed to by the upstream engine. */
  upstreams: UpstreamConfig[];
  /** ComfyUI servers and the workflows served as models by the ComfyUI engine. */
  comfyui: ComfyConfig;
  /** Requests per minute each project may make to /v1 (0: no limit). */
  rateLimitRpm: number;
  /** Seconds of video each project may queue per rolling 24 hours (0: no quota). */
  quotaSecondsPerDay: number;
  /** Webhook endpoints declared in config (synced into the store at start); each secret from the env var it names. */
  webhooks: WebhookConfig[];
  /** Webhooks may go to loopback/private/link-local addresses and plain http (development, tests). */
  webhookAllowPrivate: boolean;
  /** Time cap of one delivery attempt. */
  webhookTimeoutMs: number;
  /** The first retry waits about this long; each later one twice as long (at most an hour), with jitter. */
  webhookRetryBaseMs: number;
  /** Retries of an event stop this long after it was written. */
  webhookMaxAgeHours: number;
  /** Delivery attempts in flight per endpoint. */
  webhookMaxInFlight: number;
  /** Browser origins allowed to call /v1 (CORS); empty: none. `*` allows any origin. */
  corsOrigins: string[];
  /** Hours an Idempotency-Key's answer is kept for retries. */
  idempotencyTtlHours: number;
  role: Role;
}

const DEFAULTS: Config = {
  host: '127.0.0.1',
  port: 8080,
  dataDir: './data',
  apiKey: null,
  logLevel: 'info',
  concurrency: Math.max(1, cpus().length),
  retentionHours: 24,
  sweepIntervalMs: 60_000,
  jobLeaseMs: 30_000,
  jobMaxAttempts: 3,
  shutdownGraceMs: 20_000,
  maxBodyBytes: 1024 * 1024,
  maxUploadBytes: 64 * 1024 * 1024,
  maxImagePixels: 40_000_000,
  referenceFit: 'crop',
  imageUrlAllowPrivate: false,
  imageUrlTimeoutMs: 10_000,
  s3Bucket: null,
  s3Endpoint: null,
  s3Region: 'us-east-1',
  s3Prefix: '',
  s3ForcePathStyle: false,
  s3Redirect: false,
  ffmpegPath: null,
  ffprobePath: null,
  localFps: 24,
  upstreams: [],
  comfyui: { servers: [], models: {} },
  rateLimitRpm: 0,
  quotaSecondsPerDay: 0,
  webhooks: [],
  webhookAllowPrivate: false,
  webhookTimeoutMs: 15_000,
  webhookRetryBaseMs: 5_000,
  webhookMaxAgeHours: 72,
  webhookMaxInFlight: 4,
  corsOrigins: [],
  idempotencyTtlHours: 24,
  role: 'all',
};

/** Environment variable for each setting; the README table is generated from the same list. */
export const ENV_NAMES: Record<keyof Config, string> = {
  host: 'REELAY_HOST',
  port: 'REELAY_PORT',
  dataDir: 'REELAY_DATA_DIR',
  apiKey: 'REELAY_API_KEY',
  logLevel: 'REELAY_LOG_LEVEL',
  concurrency: 'REELAY_CONCURRENCY',
  retentionHours: 'REELAY_RETENTION_HOURS',
  sweepIntervalMs: 'REELAY_SWEEP_INTERVAL_MS',
  jobLeaseMs: 'REELAY_JOB_LEASE_MS',
  jobMaxAttempts: 'REELAY_JOB_MAX_ATTEMPTS',
  shutdownGraceMs: 'REELAY_SHUTDOWN_GRACE_MS',
  maxBodyBytes: 'REELAY_MAX_BODY_BYTES',
  maxUploadBytes: 'REELAY_MAX_UPLOAD_BYTES',
  maxImagePixels: 'REELAY_MAX_IMAGE_PIXELS',
  referenceFit: 'REELAY_REFERENCE_FIT',
  imageUrlAllowPrivate: 'REELAY_IMAGE_URL_ALLOW_PRIVATE',
  imageUrlTimeoutMs: 'REELAY_IMAGE_URL_TIMEOUT_MS',
  s3Bucket: 'REELAY_S3_BUCKET',
  s3Endpoint: 'REELAY_S3_ENDPOINT',
  s3Region: 'REELAY_S3_REGION',
  s3Prefix: 'REELAY_S3_PREFIX',
  s3ForcePathStyle: 'REELAY_S3_FORCE_PATH_STYLE',
  s3Redirect: 'REELAY_S3_REDIRECT',
  ffmpegPath: 'REELAY_FFMPEG',
  ffprobePath: 'REELAY_FFPROBE',
  localFps: 'REELAY_LOCAL_FPS',
  upstreams: 'REELAY_UPSTREAMS',
  comfyui: 'REELAY_COMFYUI',
  rateLimitRpm: 'REELAY_RATE_LIMIT_RPM',
  quotaSecondsPerDay: 'REELAY_QUOTA_SECONDS_PER_DAY',
  webhooks: 'REELAY_WEBHOOKS',
  webhookAllowPrivate: 'REELAY_WEBHOOK_ALLOW_PRIVATE',
  webhookTimeoutMs: 'REELAY_WEBHOOK_TIMEOUT_MS',
  webhookRetryBaseMs: 'REELAY_WEBHOOK_RETRY_BASE_MS',
  webhookMaxAgeHours: 'REELAY_WEBHOOK_MAX_AGE_HOURS',
  webhookMaxInFlight: 'REELAY_WEBHOOK_MAX_IN_FLIGHT',
  corsOrigins: 'REELAY_CORS_ORIGINS',
  idempotencyTtlHours: 'REELAY_IDEMPOTENCY_TTL_HOURS',
  role: 'REELAY_ROLE',
};

const FITS: FitPolicy[] = ['crop', 'pad', 'stretch', 'reject'];
const ROLES: Role[] = ['all', 'api', 'worker'];

function coerce(key: keyof Config, raw: unknown): unknown {
  const def = DEFAULTS[key];
  if (raw === undefined || raw === '') return undefined;
  if (key === 'upstreams') return parseUpstreams(raw);
  if (key === 'comfyui') return parseComfyui(raw);
  if (key === 'webhooks') return parseWebhooks(raw);
  if (key === 'corsOrigins') return parseOrigins(key, raw);
  if (key === 'role') {
    if (!ROLES.includes(raw as Role)) throw new Error(`role must be one of ${ROLES.join(', ')}, got ${String(raw)}`);
    return raw;
  }
  if (key === 'referenceFit') {
    if (!FITS.includes(raw as FitPolicy)) throw new Error(`${key} must be one of ${FITS.join(', ')}, got ${String(raw)}`);
    return raw;
  }
  if (typeof def === 'number') {
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${key} must be a non-negative number, got ${String(raw)}`);
    return n;
  }
  if (typeof def === 'boolean') {
    if (typeof raw === 'boolean') return raw;
    return ['1', 'true', 'yes', 'on'].includes(String(raw).toLowerCase());
  }
  return String(raw);
}

/** A list of origins (an array, or comma-separated text), each `*` or scheme://host[:port]. */
function parseOrigins(key: string, raw: unknown): string[] {
  const list = Array.isArray(raw) ? raw.map(String) : String(raw).split(',');
  return list.map((o) => o.trim()).filter(Boolean).map((o) => {
    if (o === '*') return o;
    let url: URL;
    try {
      url = new URL(o);
    } catch {
      throw new Error(`${key}: '${o}' is not an origin (scheme://host[:port])`);
    }
    if (url.origin === 'null' || url.origin !== o.replace(/\/$/, '')) throw new Error(`${key}: '${o}' is not an origin (scheme://host[:port], no path)`);
    return url.origin;
  });
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Explicit config file; else $REELAY_CONFIG; else ./reelay.config.json when present. */
  file?: string;
  overrides?: Partial<Config>;
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const cfg: Config = { ...DEFAULTS };
  const file = opts.file ?? env.REELAY_CONFIG ?? (existsSync('reelay.config.json') ? 'reelay.config.json' : undefined);
  if (file) {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    for (const [k, v] of Object.entries(parsed)) {
      if (!(k in DEFAULTS)) throw new Error(`unknown setting in ${file}: ${k}`);
      const value = coerce(k as keyof Config, v);
      if (value !== undefined) (cfg as unknown as Record<string, unknown>)[k] = value;
    }
  }
  for (const key of Object.keys(ENV_NAMES) as (keyof Config)[]) {
    const value = coerce(key, env[ENV_NAMES[key]]);
    if (value !== undefined) (cfg as unknown as Record<string, unknown>)[key] = value;
  }
  Object.assign(cfg, opts.overrides ?? {});
  cfg.upstreams = parseUpstreams(cfg.upstreams);
  cfg.comfyui = parseComfyui(cfg.comfyui);
  cfg.webhooks = parseWebhooks(cfg.webhooks);
  cfg.webhookMaxInFlight = Math.max(1, Math.floor(cfg.webhookMaxInFlight));
  cfg.dataDir = resolve(cfg.dataDir);
  cfg.concurrency = Math.max(1, Math.floor(cfg.concurrency));
  return cfg;
}
