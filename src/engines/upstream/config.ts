// The `upstreams` setting: servers that speak /v1/videos and the public models each one serves.
// Self-contained (no imports from the rest of reelay) so the config loader can use it.

export interface UpstreamModelConfig {
  /** The model name the upstream expects (vLLM-Omni: the served model name). */
  upstreamModel: string;
  sizes: string[];
  seconds: string[];
  inputReference: boolean;
  remix: boolean;
  edit: boolean;
  extend: boolean;
  /** Videos may name characters: reelay uploads each character's clip to the upstream first. */
  characters: boolean;
}

export interface UpstreamConfig {
  id: string;
  /** Base URL including the version path, as for the OpenAI SDK: `http://gpu-box:8091/v1`. */
  baseUrl: string;
  /** Name of the environment variable that holds the upstream's API key (the key itself is never in config). */
  apiKeyEnv: string | null;
  /** Public model id -> how this upstream serves it. */
  models: Record<string, UpstreamModelConfig>;
  /** Extra fields sent with every create (e.g. negative_prompt, num_inference_steps). */
  extraFields: Record<string, unknown>;
  /** Send every create as multipart/form-data (vLLM-Omni rejects JSON). */
  multipartOnly: boolean;
  /** Ask for ?variant= thumbnail and spritesheet; false for servers that ignore or reject variant. */
  variants: boolean;
  /** The upstream lists its jobs at GET /videos (used to reconcile a submit whose outcome is unknown). */
  listJobs: boolean;
  /** The upstream cancels a job on DELETE /videos/{id}. */
  cancel: boolean;
  /** Upstream jobs in flight at once from this reelay; more wait their turn. */
  maxInFlight: number;
  /** Requests per second to this upstream, all kinds together (0: unlimited). */
  requestsPerSecond: number;
  /** Open connections to this upstream at most. */
  maxConnections: number;
  /** Poll interval when the upstream gives no openai-poll-after-ms. */
  pollIntervalMs: number;
  /** Timeout of one status/list/delete request. */
  requestTimeoutMs: number;
  /** Timeout of the create request; past it the outcome is unknown and reconciled, never blindly resent. */
  submitTimeoutMs: number;
  /** A job not finished upstream this long after submission fails with upstream_timeout. */
  jobTimeoutMs: number;
  /** A download that receives nothing for this long is cut and retried. */
  downloadIdleTimeoutMs: number;
  maxDownloadBytes: number;
  /** Tries of a create answered 429/5xx before failing over to the next upstream. */
  submitRetries: number;
  downloadRetries: number;
}

const SECONDS = ['4', '8', '12', '16', '20'];

const DEFAULTS: Omit<UpstreamConfig, 'id' | 'baseUrl' | 'models'> = {
  apiKeyEnv: null,
  extraFields: {},
  multipartOnly: false,
  variants: true,
  listJobs: true,
  cancel: true,
  maxInFlight: 16,
  requestsPerSecond: 20,
  maxConnections: 32,
  pollIntervalMs: 2000,
  requestTimeoutMs: 30_000,
  submitTimeoutMs: 60_000,
  jobTimeoutMs: 2 * 3600_000,
  downloadIdleTimeoutMs: 60_000,
  maxDownloadBytes: 2 * 1024 ** 3,
  submitRetries: 2,
  downloadRetries: 4,
};

const NUMBERS = [
  'maxInFlight', 'requestsPerSecond', 'maxConnections', 'pollIntervalMs', 'requestTimeoutMs', 'submitTimeoutMs',
  'jobTimeoutMs', 'downloadIdleTimeoutMs', 'maxDownloadBytes', 'submitRetries', 'downloadRetries',
] as const;
const BOOLEANS = ['multipartOnly', 'variants', 'listJobs', 'cancel'] as const;
const KNOWN = new Set(['id', 'baseUrl', 'apiKeyEnv', 'models', 'extraFields', ...NUMBERS, ...BOOLEANS]);
const MODEL_KEYS = new Set(['upstreamModel', 'sizes', 'seconds', 'inputReference', 'remix', 'edit', 'extend', 'characters']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseModel(where: string, publicId: string, raw: unknown): UpstreamModelConfig {
  if (!isObject(raw)) throw new Error(`${where} must be an object`);
  for (const k of Object.keys(raw)) if (!MODEL_KEYS.has(k)) throw new Error(`${where}: unknown key ${k}`);
  const sizes = raw.sizes ?? ['1280x720', '720x1280'];
  if (!Array.isArray(sizes) || !sizes.length || !sizes.every((s) => typeof s === 'string' && /^[1-9]\d{1,4}x[1-9]\d{1,4}$/.test(s))) {
    throw new Error(`${where}.sizes must be a non-empty array of WxH strings`);
  }
  const seconds = raw.seconds ?? ['4', '8', '12'];
  if (!Array.isArray(seconds) || !seconds.length || !seconds.every((s) => SECONDS.includes(s as string))) {
    throw new Error(`${where}.seconds must be a non-empty array of ${SECONDS.map((s) => `"${s}"`).join(', ')}`);
  }
  const flag = (k: string) => {
    const v = raw[k] ?? false;
    if (typeof v !== 'boolean') throw new Error(`${where}.${k} must be true or false`);
    return v;
  };
  const upstreamModel = raw.upstreamModel ?? publicId;
  if (typeof upstreamModel !== 'string' || !upstreamModel) throw new Error(`${where}.upstreamModel must be a string`);
  return {
    upstreamModel,
    sizes: sizes as string[],
    seconds: SECONDS.filter((s) => (seconds as string[]).includes(s)),
    inputReference: flag('inputReference'),
    remix: flag('remix'),
    edit: flag('edit'),
    extend: flag('extend'),
    characters: flag('characters'),
  };
}

function parseOne(raw: unknown, i: number): UpstreamConfig {
  const where = `upstreams[${i}]`;
  if (!isObject(raw)) throw new Error(`${where} must be an object`);
  for (const k of Object.keys(raw)) if (!KNOWN.has(k)) throw new Error(`${where}: unknown key ${k}`);
  if (typeof raw.id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(raw.id)) {
    throw new Error(`${where}.id must be 1-64 letters, digits, '.', '_' or '-'`);
  }
  let url: URL;
  try {
    url = new URL(String(raw.baseUrl));
  } catch {
    throw new Error(`${where}.baseUrl must be an http(s) URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${where}.baseUrl must be an http(s) URL`);
  const out: UpstreamConfig = { ...DEFAULTS, id: raw.id, baseUrl: url.toString().replace(/\/+$/, ''), models: {} };
  if (raw.apiKeyEnv !== undefined && raw.apiKeyEnv !== null) {
    if (typeof raw.apiKeyEnv !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(raw.apiKeyEnv)) {
      throw new Error(`${where}.apiKeyEnv must be the name of an environment variable`);
    }
    out.apiKeyEnv = raw.apiKeyEnv;
  }
  for (const k of NUMBERS) {
    if (raw[k] === undefined) continue;
    const n = Number(raw[k]);
    if (typeof raw[k] === 'boolean' || !Number.isFinite(n) || n < 0) throw new Error(`${where}.${k} must be a non-negative number`);
    out[k] = n;
  }
  out.maxInFlight = Math.max(1, Math.floor(out.maxInFlight));
  out.maxConnections = Math.max(1, Math.floor(out.maxConnections));
  out.pollIntervalMs = Math.max(50, out.pollIntervalMs);
  for (const k of BOOLEANS) {
    if (raw[k] === undefined) continue;
    if (typeof raw[k] !== 'boolean') throw new Error(`${where}.${k} must be true or false`);
    out[k] = raw[k] as boolean;
  }
  if (raw.extraFields !== undefined) {
    if (!isObject(raw.extraFields)) throw new Error(`${where}.extraFields must be an object`);
    out.extraFields = { ...raw.extraFields };
  }
  if (!isObject(raw.models) || !Object.keys(raw.models).length) throw new Error(`${where}.models must map at least one public model id`);
  for (const [publicId, m] of Object.entries(raw.models)) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.:\/-]{0,127}$/.test(publicId)) throw new Error(`${where}.models: '${publicId}' is not a valid model id`);
    out.models[publicId] = parseModel(`${where}.models.${publicId}`, publicId, m);
  }
  return out;
}

/** Validates and fills defaults. Accepts the JSON text (from the environment) or the parsed array. */
export function parseUpstreams(raw: unknown): UpstreamConfig[] {
  if (raw === undefined || raw === null || raw === '') return [];
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new Error('upstreams must be a JSON array');
    }
  }
  if (!Array.isArray(value)) throw new Error('upstreams must be an array');
  const list = value.map(parseOne);
  const ids = new Set<string>();
  for (const u of list) {
    if (ids.has(u.id)) throw new Error(`upstreams: the id '${u.id}' is used twice`);
    ids.add(u.id);
  }
  return list;
}
