// Validates what reelay answers against OpenAI's published OpenAPI document for /videos
// (../shared/spec/openai-videos.openapi.yaml), widened where the contract says so, and records
// every response an OpenAI client receives so a test can check all of them.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';

// The project's shared spec when this checkout sits beside it; else the copy kept in test/spec
// (a clone on its own, as CI makes), which a test keeps identical to the shared one when both exist.
export const SHARED_SPEC_PATH = resolve(import.meta.dirname, '../../../shared/spec/openai-videos.openapi.yaml');
export const VENDORED_SPEC_PATH = resolve(import.meta.dirname, '../spec/openai-videos.openapi.yaml');
export const SPEC_PATH = existsSync(SHARED_SPEC_PATH) ? SHARED_SPEC_PATH : VENDORED_SPEC_PATH;

const ID = 'https://reelay.test/openai-videos.json';

/** OpenAPI's `#/components/schemas/X` becomes `#/$defs/X`, so ajv resolves it inside one document. */
function rewriteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      out[k] = k === '$ref' && typeof v === 'string' ? v.replace('#/components/schemas/', '#/$defs/') : rewriteRefs(v);
    }
    return out;
  }
  return node;
}

/** The contract's documented widening of the published enums. */
function widen(defs: Record<string, any>) {
  // Sizes: the 1080p Pro sizes came after this document.
  defs.VideoSize.enum = [...defs.VideoSize.enum, '1920x1080', '1080x1920'];
  // Seconds: "16" and "20" are accepted, and an extension reports its stitched total.
  delete defs.VideoSeconds.enum;
  defs.VideoSeconds.pattern = '^[1-9][0-9]*$';
}

/** Shapes the published document does not cover, written from VIDEOS_API.md. */
const CONTRACT_DEFS = {
  ErrorEnvelope: {
    type: 'object',
    required: ['error'],
    additionalProperties: false,
    properties: {
      error: {
        type: 'object',
        required: ['message', 'type', 'param', 'code'],
        properties: {
          message: { type: 'string', minLength: 1 },
          type: { type: 'string', minLength: 1 },
          param: { type: ['string', 'null'] },
          code: { type: ['string', 'null'] },
        },
      },
    },
  },
  Model: {
    type: 'object',
    required: ['id', 'object', 'created', 'owned_by', 'capabilities'],
    properties: {
      id: { type: 'string', minLength: 1 },
      object: { const: 'model' },
      created: { type: 'integer', format: 'unixtime' },
      owned_by: { type: 'string', minLength: 1 },
      capabilities: {
        type: 'object',
        required: ['sizes', 'seconds', 'input_reference', 'remix', 'edit', 'extend'],
        properties: {
          sizes: { type: 'array', minItems: 1, items: { $ref: '#/$defs/VideoSize' } },
          seconds: { type: 'array', minItems: 1, items: { $ref: '#/$defs/VideoSeconds' } },
          input_reference: { type: 'boolean' },
          remix: { type: 'boolean' },
          edit: { type: 'boolean' },
          extend: { type: 'boolean' },
        },
      },
    },
  },
  ModelList: {
    type: 'object',
    required: ['object', 'data'],
    properties: {
      object: { const: 'list' },
      data: { type: 'array', items: { $ref: '#/$defs/Model' } },
    },
  },
};

export type SchemaName =
  | 'VideoResource'
  | 'VideoListResource'
  | 'DeletedVideoResource'
  | 'VideoCharacterResource'
  | 'ErrorEnvelope'
  | 'Model'
  | 'ModelList';

export class SpecValidator {
  private readonly compiled = new Map<SchemaName, ValidateFunction>();
  readonly defs: Record<string, any>;

  constructor(specPath = SPEC_PATH) {
    const spec = parse(readFileSync(specPath, 'utf8')) as { components: { schemas: Record<string, unknown> } };
    this.defs = rewriteRefs(spec.components.schemas) as Record<string, any>;
    widen(this.defs);
    const ajv = new Ajv2020({ allErrors: true, strictTypes: false });
    const addFormats = formatsModule.default;
    addFormats(ajv);
    // OpenAPI annotations and OpenAI's own format names.
    ajv.addKeyword('example');
    ajv.addKeyword('x-stainless-const');
    ajv.addFormat('unixtime', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 });
    ajv.addFormat('binary', true);
    ajv.addSchema({ $id: ID, $defs: { ...this.defs, ...CONTRACT_DEFS } });
    for (const name of Object.keys(CONTRACT_DEFS).concat(['VideoResource', 'VideoListResource', 'DeletedVideoResource', 'VideoCharacterResource'])) {
      const fn = ajv.getSchema(`${ID}#/$defs/${name}`);
      if (!fn) throw new Error(`schema ${name} missing from ${specPath}`);
      this.compiled.set(name as SchemaName, fn);
    }
  }

  /** Every operation the document lists, with a pattern for its served path (under /v1). */
  static operations(specPath = SPEC_PATH): { method: string; path: string; pattern: RegExp }[] {
    const spec = parse(readFileSync(specPath, 'utf8')) as { paths: Record<string, Record<string, unknown>> };
    return Object.entries(spec.paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
        .map((m) => ({ method: m.toUpperCase(), path, pattern: new RegExp(`^/v1${path.replace(/\{[^}]+\}/g, '[^/]+')}$`) })),
    );
  }

  /** The schema errors of `body` against `name`, as readable lines; empty when it conforms. */
  errors(name: SchemaName, body: unknown): string[] {
    const fn = this.compiled.get(name)!;
    if (fn(body)) return [];
    return (fn.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message}${e.params ? ' ' + JSON.stringify(e.params) : ''}`);
  }
}

/** One response the client saw. */
export interface Exchange {
  method: string;
  url: URL;
  /** 'multipart' when the request body was FormData, 'json', or 'none'. */
  requestBody: 'multipart' | 'json' | 'none' | 'other';
  status: number;
  headers: Headers;
  contentType: string;
  /** The parsed body when it was JSON, else undefined. */
  json: unknown;
}

/** Which schema a JSON answer must follow, from the operation that produced it. */
export function schemaFor(method: string, path: string, status: number): SchemaName | null {
  if (status >= 400) return 'ErrorEnvelope';
  const p = path.replace(/\/+$/, '');
  if (method === 'GET' && p === '/v1/models') return 'ModelList';
  if (method === 'GET' && /^\/v1\/models\/[^/]+$/.test(p)) return 'Model';
  if (method === 'POST' && p === '/v1/videos/characters') return 'VideoCharacterResource';
  if (method === 'GET' && /^\/v1\/videos\/characters\/[^/]+$/.test(p)) return 'VideoCharacterResource';
  if (method === 'GET' && p === '/v1/videos') return 'VideoListResource';
  if (method === 'POST' && ['/v1/videos', '/v1/videos/edits', '/v1/videos/extensions'].includes(p)) return 'VideoResource';
  if (method === 'POST' && /^\/v1\/videos\/[^/]+\/remix$/.test(p)) return 'VideoResource';
  if (method === 'GET' && /^\/v1\/videos\/[^/]+$/.test(p)) return 'VideoResource';
  if (method === 'DELETE' && /^\/v1\/videos\/[^/]+$/.test(p)) return 'DeletedVideoResource';
  return null;
}

const TERMINAL = new Set(['completed', 'failed']);

/**
 * Everything wrong with one exchange: its JSON against the operation's schema, and the headers
 * the contract promises. Empty when it conforms.
 */
export function problems(validator: SpecValidator, ex: Exchange): string[] {
  const out: string[] = [];
  const where = `${ex.method} ${ex.url.pathname}${ex.url.search} -> ${ex.status}`;
  if (!ex.headers.get('x-request-id')) out.push(`${where}: no x-request-id header`);
  const isJson = ex.contentType.includes('application/json');
  const isContent = ex.method === 'GET' && /^\/v1\/videos\/[^/]+\/content$/.test(ex.url.pathname);
  if (isContent && ex.status < 400 && isJson) out.push(`${where}: content answered JSON`);
  if (!isJson) {
    if (!isContent || ex.status >= 400) out.push(`${where}: expected a JSON body, got '${ex.contentType}'`);
    return out;
  }
  if (!ex.headers.get('openai-processing-ms')) out.push(`${where}: JSON response without openai-processing-ms`);
  else if (!/^\d+$/.test(ex.headers.get('openai-processing-ms')!)) out.push(`${where}: openai-processing-ms is not an integer`);
  const name = isContent ? 'ErrorEnvelope' : schemaFor(ex.method, ex.url.pathname, ex.status);
  if (!name) {
    out.push(`${where}: no schema known for this operation`);
    return out;
  }
  for (const e of validator.errors(name, ex.json)) out.push(`${where}: not a ${name}: ${e}`);
  if (name === 'VideoResource' && ex.json && typeof ex.json === 'object') {
    const status = (ex.json as { status?: string }).status ?? '';
    const poll = ex.headers.get('openai-poll-after-ms');
    if (TERMINAL.has(status) && poll !== null) out.push(`${where}: openai-poll-after-ms on a ${status} video`);
    if (!TERMINAL.has(status) && (poll === null || !/^[1-9]\d*$/.test(poll))) out.push(`${where}: ${status} video without a positive openai-poll-after-ms (got ${poll})`);
  }
  return out;
}

/** A `fetch` for the OpenAI client that keeps every response (JSON bodies parsed from a clone). */
export class Recorder {
  readonly exchanges: Exchange[] = [];
  private checked = 0;

  constructor(private readonly validator: SpecValidator) {}

  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const res = await fetch(input, init);
    const url = new URL(input instanceof Request ? input.url : String(input));
    // The SDK probes its fetch with a data: URL; only server answers are exchanges.
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return res;
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const body = init?.body;
    const requestBody = body == null ? 'none' : body instanceof FormData ? 'multipart' : typeof body === 'string' ? 'json' : 'other';
    const contentType = res.headers.get('content-type') ?? '';
    let json: unknown;
    if (contentType.includes('application/json')) {
      const text = await res.clone().text();
      try {
        json = JSON.parse(text);
      } catch {
        json = Symbol.for('unparseable JSON');
      }
    }
    this.exchanges.push({ method, url, requestBody, status: res.status, headers: res.headers, contentType, json });
    return res;
  };

  /** Problems in the exchanges recorded since the last call. */
  takeProblems(): string[] {
    const fresh = this.exchanges.slice(this.checked);
    this.checked = this.exchanges.length;
    return fresh.flatMap((ex) => problems(this.validator, ex));
  }

  /** Fails with every problem found in the exchanges since the last call. */
  assertConformant(): void {
    const found = this.takeProblems();
    if (found.length) throw new Error(`responses that break the contract:\n  ${found.join('\n  ')}`);
  }

  /** The recorded exchanges for a method and path pattern. */
  find(method: string, path: RegExp): Exchange[] {
    return this.exchanges.filter((e) => e.method === method && path.test(e.url.pathname));
  }
}
