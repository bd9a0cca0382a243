// The `comfyui` setting: ComfyUI servers and the public models each workflow serves. Self-contained
// (no imports from the rest of reelay) so the config loader can use it. Every workflow is read and
// every binding checked here, so a binding that does not fit its graph stops the start.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { asGraph, checkBinding, parseSlots, SLOT_KEYS, type Binding, type Graph } from './graph.js';

export interface ComfyServerConfig {
  id: string;
  /** The server's root, e.g. http://gpu-box:8188 (no /api). */
  baseUrl: string;
  /** Environment variable holding the value of an auth header sent with every request and the WebSocket. */
  authHeaderEnv: string | null;
  /** The header that value goes in (default Authorization; the value is sent as is, e.g. "Bearer ..."). */
  authHeaderName: string;
  /** Public models this server has (default: every configured model). */
  models: string[] | null;
  /** Prompts from this reelay queued or running on the server at once. */
  maxInFlight: number;
  /** Use the server's WebSocket for progress and completion (else /history polling only). */
  websocket: boolean;
  /** /history polling interval for prompts the WebSocket does not cover (down, or submitted by an earlier process). */
  pollIntervalMs: number;
  requestTimeoutMs: number;
  /** The /prompt request; past it the outcome is unknown and the prompt is looked up by its id. */
  submitTimeoutMs: number;
  /** A prompt not finished this long after submission is interrupted and the video fails with `timeout`. */
  jobTimeoutMs: number;
  downloadIdleTimeoutMs: number;
  maxDownloadBytes: number;
  /**
   * Core ComfyUI cannot delete an uploaded input; a server with an extension that can names its route
   * here, e.g. "/reelay/input/{subfolder}/{filename}" (called with DELETE after the job). null: keep.
   */
  deleteInputPath: string | null;
}

export interface ComfyModelConfig {
  id: string;
  /** Where the workflow came from (a file path, or "inline"). */
  source: string;
  graph: Graph;
  bind: Binding;
  sizes: string[];
  seconds: string[];
  /** The workflow's frame rate: frames = seconds x fps, rounded to `frameMultiple` * k + `frameExtra`. */
  fps: number;
  frameMultiple: number;
  frameExtra: number;
  /** Width and height sent to the graph are rounded down to a multiple of this; the output is scaled back. */
  sizeMultiple: number;
  negativePrompt: string | null;
  inputReference: boolean;
  remix: boolean;
  /** A model whose workflow is image-to-video: an extension runs it from the source's last frame. */
  extendWith: string | null;
}

export interface ComfyConfig {
  servers: ComfyServerConfig[];
  models: Record<string, ComfyModelConfig>;
}

const SECONDS = ['4', '8', '12', '16', '20'];

const SERVER_DEFAULTS: Omit<ComfyServerConfig, 'id' | 'baseUrl'> = {
  authHeaderEnv: null,
  authHeaderName: 'Authorization',
  models: null,
  maxInFlight: 2,
  websocket: true,
  pollIntervalMs: 2000,
  requestTimeoutMs: 30_000,
  submitTimeoutMs: 60_000,
  jobTimeoutMs: 2 * 3600_000,
  downloadIdleTimeoutMs: 60_000,
  maxDownloadBytes: 2 * 1024 ** 3,
  deleteInputPath: null,
};
const NUMBERS = ['maxInFlight', 'pollIntervalMs', 'requestTimeoutMs', 'submitTimeoutMs', 'jobTimeoutMs', 'downloadIdleTimeoutMs', 'maxDownloadBytes'] as const;
const SERVER_KEYS = new Set(['id', 'baseUrl', 'authHeaderEnv', 'authHeaderName', 'models', 'websocket', 'deleteInputPath', ...NUMBERS]);
const MODEL_KEYS = new Set(['workflow', 'bind', 'sizes', 'seconds', 'fps', 'frameMultiple', 'frameExtra', 'sizeMultiple', 'negativePrompt', 'inputReference', 'remix', 'extendWith']);
const BIND_KEYS = new Set([...SLOT_KEYS, 'output', 'samplers']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseServer(raw: unknown, i: number): ComfyServerConfig {
  const where = `comfyui.servers[${i}]`;
  if (!isObject(raw)) throw new Error(`${where} must be an object`);
  for (const k of Object.keys(raw)) if (!SERVER_KEYS.has(k)) throw new Error(`${where}: unknown key ${k}`);
  if (typeof raw.id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(raw.id)) throw new Error(`${where}.id must be 1-64 letters, digits, '.', '_' or '-'`);
  let url: URL;
  try {
    url = new URL(String(raw.baseUrl));
  } catch {
    throw new Error(`${where}.baseUrl must be an http(s) URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${where}.baseUrl must be an http(s) URL`);
  const out: ComfyServerConfig = { ...SERVER_DEFAULTS, id: raw.id, baseUrl: url.toString().replace(/\/+$/, '') };
  for (const k of ['authHeaderEnv', 'authHeaderName', 'deleteInputPath'] as const) {
    if (raw[k] === undefined || raw[k] === null) continue;
    if (typeof raw[k] !== 'string' || !raw[k]) throw new Error(`${where}.${k} must be a string`);
    out[k] = raw[k] as string;
  }
  if (out.authHeaderEnv && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(out.authHeaderEnv)) throw new Error(`${where}.authHeaderEnv must be the name of an environment variable`);
  if (!/^[A-Za-z0-9-]+$/.test(out.authHeaderName)) throw new Error(`${where}.authHeaderName must be a header name`);
  if (out.deleteInputPath && !out.deleteInputPath.startsWith('/')) throw new Error(`${where}.deleteInputPath must start with '/'`);
  for (const k of NUMBERS) {
    if (raw[k] === undefined) continue;
    const n = Number(raw[k]);
    if (typeof raw[k] === 'boolean' || !Number.isFinite(n) || n < 0) throw new Error(`${where}.${k} must be a non-negative number`);
    out[k] = n;
  }
  out.maxInFlight = Math.max(1, Math.floor(out.maxInFlight));
  out.pollIntervalMs = Math.max(50, out.pollIntervalMs);
  if (raw.websocket !== undefined) {
    if (typeof raw.websocket !== 'boolean') throw new Error(`${where}.websocket must be true or false`);
    out.websocket = raw.websocket;
  }
  if (raw.models !== undefined && raw.models !== null) {
    if (!Array.isArray(raw.models) || !raw.models.every((m) => typeof m === 'string')) throw new Error(`${where}.models must be an array of model ids`);
    out.models = [...raw.models];
  }
  return out;
}

function loadWorkflow(where: string, raw: unknown, baseDir: string): { graph: Graph; source: string } {
  if (isObject(raw)) return { graph: asGraph(`${where}.workflow`, raw), source: 'inline' };
  if (typeof raw !== 'string' || !raw) throw new Error(`${where}.workflow must be the path of an API-format workflow JSON file (or the graph itself)`);
  const path = resolve(baseDir, raw);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${where}.workflow: cannot read ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${where}.workflow: ${path} is not JSON`);
  }
  return { graph: asGraph(`${where}.workflow (${path})`, parsed), source: path };
}

function parseModel(id: string, raw: unknown, baseDir: string): ComfyModelConfig {
  const where = `comfyui.models.${id}`;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.:\/-]{0,127}$/.test(id)) throw new Error(`comfyui.models: '${id}' is not a valid model id`);
  if (!isObject(raw)) throw new Error(`${where} must be an object`);
  for (const k of Object.keys(raw)) if (!MODEL_KEYS.has(k)) throw new Error(`${where}: unknown key ${k}`);
  const { graph, source } = loadWorkflow(where, raw.workflow, baseDir);
  if (!isObject(raw.bind)) throw new Error(`${where}.bind must map prompt, output and the other request fields onto the workflow's nodes`);
  for (const k of Object.keys(raw.bind)) if (!BIND_KEYS.has(k)) throw new Error(`${where}.bind: unknown key ${k} (known: ${[...BIND_KEYS].join(', ')})`);
  const b = raw.bind;
  if (typeof b.output !== 'string' || !b.output) throw new Error(`${where}.bind.output must be the id of the node that saves the video`);
  const samplers = b.samplers ?? [];
  if (!Array.isArray(samplers) || !samplers.every((s) => typeof s === 'string')) throw new Error(`${where}.bind.samplers must be an array of node ids`);
  const bind: Binding = {
    prompt: parseSlots(`${where}.bind.prompt`, b.prompt),
    negativePrompt: parseSlots(`${where}.bind.negativePrompt`, b.negativePrompt),
    seed: parseSlots(`${where}.bind.seed`, b.seed),
    width: parseSlots(`${where}.bind.width`, b.width),
    height: parseSlots(`${where}.bind.height`, b.height),
    frames: parseSlots(`${where}.bind.frames`, b.frames),
    fps: parseSlots(`${where}.bind.fps`, b.fps),
    image: parseSlots(`${where}.bind.image`, b.image),
    output: b.output,
    samplers: samplers as string[],
  };
  checkBinding(where, graph, bind);

  const sizes = raw.sizes ?? ['1280x720', '720x1280'];
  if (!Array.isArray(sizes) || !sizes.length || !sizes.every((s) => typeof s === 'string' && /^[1-9]\d{1,4}x[1-9]\d{1,4}$/.test(s))) {
    throw new Error(`${where}.sizes must be a non-empty array of WxH strings`);
  }
  const seconds = raw.seconds ?? ['4'];
  if (!Array.isArray(seconds) || !seconds.length || !seconds.every((s) => SECONDS.includes(s as string))) {
    throw new Error(`${where}.seconds must be a non-empty array of ${SECONDS.map((s) => `"${s}"`).join(', ')}`);
  }
  const num = (k: string, def: number, min: number) => {
    const v = raw[k] ?? def;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new Error(`${where}.${k} must be a number >= ${min}`);
    return v;
  };
  const flag = (k: string, def: boolean) => {
    const v = raw[k] ?? def;
    if (typeof v !== 'boolean') throw new Error(`${where}.${k} must be true or false`);
    return v;
  };
  const hasImage = bind.image.length > 0;
  const inputReference = flag('inputReference', hasImage);
  if (inputReference && !hasImage) throw new Error(`${where}.inputReference is true but bind.image names no image-loading node`);
  const negativePrompt = raw.negativePrompt ?? null;
  if (negativePrompt !== null && typeof negativePrompt !== 'string') throw new Error(`${where}.negativePrompt must be a string`);
  if (negativePrompt !== null && !bind.negativePrompt.length) throw new Error(`${where}.negativePrompt is set but bind.negativePrompt names no node input`);
  const extendWith = raw.extendWith ?? null;
  if (extendWith !== null && (typeof extendWith !== 'string' || !extendWith)) throw new Error(`${where}.extendWith must be a model id`);
  return {
    id, source, graph, bind,
    sizes: sizes as string[],
    seconds: SECONDS.filter((s) => (seconds as string[]).includes(s)),
    fps: num('fps', 24, 1),
    frameMultiple: Math.floor(num('frameMultiple', 1, 1)),
    frameExtra: Math.floor(num('frameExtra', 0, 0)),
    sizeMultiple: Math.floor(num('sizeMultiple', 1, 1)),
    negativePrompt,
    inputReference,
    remix: flag('remix', false),
    extendWith,
  };
}

/**
 * Validates and fills defaults. Accepts the JSON text (from the environment) or the parsed object;
 * workflow paths are relative to `baseDir` (the working directory).
 */
export function parseComfyui(raw: unknown, baseDir = process.cwd()): ComfyConfig {
  if (raw === undefined || raw === null || raw === '') return { servers: [], models: {} };
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new Error('comfyui must be a JSON object');
    }
  }
  if (!isObject(value)) throw new Error('comfyui must be an object {servers, models}');
  // Already parsed (the loader runs this again on the merged config): keep it.
  if (Array.isArray(value.servers) && isObject(value.models) && Object.keys(value.models).length && Object.values(value.models).every((m) => isObject(m) && isObject(m.graph) && 'frameMultiple' in m)) {
    return value as unknown as ComfyConfig;
  }
  for (const k of Object.keys(value)) if (k !== 'servers' && k !== 'models') throw new Error(`comfyui: unknown key ${k}`);
  const servers = (Array.isArray(value.servers) ? value.servers : value.servers === undefined ? [] : (() => { throw new Error('comfyui.servers must be an array'); })()).map(parseServer);
  const ids = new Set<string>();
  for (const s of servers) {
    if (ids.has(s.id)) throw new Error(`comfyui.servers: the id '${s.id}' is used twice`);
    ids.add(s.id);
  }
  if (value.models !== undefined && !isObject(value.models)) throw new Error('comfyui.models must map public model ids to workflows');
  const models: Record<string, ComfyModelConfig> = {};
  for (const [id, m] of Object.entries(value.models ?? {})) models[id] = parseModel(id, m, baseDir);
  for (const m of Object.values(models)) {
    if (!m.extendWith) continue;
    const target = models[m.extendWith];
    if (!target) throw new Error(`comfyui.models.${m.id}.extendWith names '${m.extendWith}', which is not a configured ComfyUI model`);
    if (!target.bind.image.length) throw new Error(`comfyui.models.${m.id}.extendWith: '${m.extendWith}' binds no image input, so it cannot continue from a frame`);
  }
  for (const s of servers) {
    for (const m of s.models ?? []) if (!models[m]) throw new Error(`comfyui.servers[${s.id}].models names '${m}', which is not in comfyui.models`);
  }
  if (Object.keys(models).length && !servers.length) throw new Error('comfyui.models are configured but comfyui.servers is empty');
  for (const m of Object.values(models)) {
    const on = servers.filter((s) => !s.models || s.models.includes(m.id));
    if (!on.length) throw new Error(`comfyui.models.${m.id}: no server in comfyui.servers has it`);
    if (m.extendWith && !on.every((s) => !s.models || s.models.includes(m.extendWith!))) {
      throw new Error(`comfyui.models.${m.id}.extendWith: every server with ${m.id} must also have ${m.extendWith}`);
    }
  }
  return { servers, models };
}

/** Frames for a clip of `seconds`: seconds x fps, to the nearest frameMultiple * k + frameExtra (at least one step). */
export function frameCount(m: Pick<ComfyModelConfig, 'fps' | 'frameMultiple' | 'frameExtra'>, seconds: number): number {
  const k = Math.max(1, Math.round((seconds * m.fps) / m.frameMultiple));
  return k * m.frameMultiple + m.frameExtra;
}

/** The width and height sent to the graph: each rounded down to sizeMultiple (at least one multiple). */
export function graphSize(m: Pick<ComfyModelConfig, 'sizeMultiple'>, size: string): { width: number; height: number } {
  const [w, h] = size.split('x').map(Number);
  const r = (v: number) => Math.max(m.sizeMultiple, Math.floor(v / m.sizeMultiple) * m.sizeMultiple);
  return { width: r(w), height: r(h) };
}
