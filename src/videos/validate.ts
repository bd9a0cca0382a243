// Request parsing and validation, with the contract's messages. Pure: no I/O.
import { ApiError, invalidRequest, invalidType, invalidValue, missing, quoteList, unknownParam } from './errors.js';
import { PRO_SIZES, SECONDS, type ModelCatalog, type ModelEntry } from './models.js';

/** A request body, JSON or multipart, as one shape. */
export interface RequestInput {
  fields: Record<string, unknown>;
  files: UploadedFile[];
  /** The request's Idempotency-Key, bound to what it stores in the same transaction. */
  idempotencyKey?: string;
}

export interface UploadedFile {
  field: string;
  filename: string;
  mimetype: string;
  path: string;
  bytes: number;
}

export type Fit = 'crop' | 'pad' | 'stretch' | 'reject';
export type ReferenceSpec = { kind: 'file'; file: UploadedFile } | { kind: 'url'; url: string } | { kind: 'file_id'; fileId: string };

export interface CreateRequest {
  prompt: string;
  model: ModelEntry;
  modelId: string;
  seconds: string;
  size: string;
  reference: ReferenceSpec | null;
  fit: Fit | null;
  seed: number | null;
  characterIds: string[];
}

export type VideoSourceSpec = { kind: 'id'; id: string } | { kind: 'file'; file: UploadedFile };

const FITS: Fit[] = ['crop', 'pad', 'stretch', 'reject'];
const MAX_PROMPT = 32000;

/** 'an integer', 'a boolean', ... as OpenAI words the type it got. */
export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a decimal';
  if (typeof v === 'boolean') return 'a boolean';
  if (typeof v === 'object') return 'an object';
  return 'a string';
}

/** Unknown fields are an error; so is a file where a value is expected (it would be ignored). */
export function rejectUnknown(fields: Record<string, unknown>, files: UploadedFile[], allowed: readonly string[], fileFields: readonly string[] = []): void {
  for (const key of Object.keys(fields)) if (!allowed.includes(key)) throw unknownParam(key);
  for (const f of files) {
    if (!allowed.includes(f.field)) throw unknownParam(f.field);
    if (!fileFields.includes(f.field)) throw invalidType(f.field, `Invalid type for '${f.field}': expected a value, but got a file instead.`);
  }
}

export function parsePrompt(v: unknown): string {
  if (v === undefined || v === null) throw missing('prompt');
  if (typeof v !== 'string') throw invalidType('prompt', `Invalid type for 'prompt': expected a string, but got ${typeName(v)} instead.`);
  if (v.length < 1) throw invalidValue('prompt', "Invalid 'prompt': empty string. Expected a string with minimum length 1, but got an empty string instead.");
  if (v.length > MAX_PROMPT) {
    throw invalidValue('prompt', `Invalid 'prompt': string too long. Expected a string with maximum length ${MAX_PROMPT}, but got a string with length ${v.length} instead.`);
  }
  return v;
}

export function parseSeconds(v: unknown, param = 'seconds'): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') {
    throw invalidType(param, `Invalid type for '${param}': expected one of ${quoteList(SECONDS, 'or')}, but got ${typeName(v)} instead.`);
  }
  if (!(SECONDS as readonly string[]).includes(v)) {
    throw invalidValue(param, `Invalid value: '${v}'. Supported values are: ${quoteList(SECONDS, 'and')}.`);
  }
  return v;
}

export function parseModel(v: unknown, catalog: ModelCatalog): { entry: ModelEntry; id: string } {
  const id = v === undefined || v === null ? 'sora-2' : v;
  if (typeof id !== 'string') throw invalidType('model', `Invalid type for 'model': expected a string, but got ${typeName(id)} instead.`);
  const entry = catalog.get(id);
  if (!entry) {
    throw new ApiError(404, `The model \`${id}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model', 'model_not_found');
  }
  return { entry, id };
}

export function parseSize(v: unknown, model: ModelEntry, modelId: string): string {
  const sizes = model.capabilities.sizes;
  if (v === undefined || v === null) return model.capabilities.default_size;
  if (typeof v !== 'string') throw invalidType('size', `Invalid type for 'size': expected a string, but got ${typeName(v)} instead.`);
  if (!/^[1-9]\d{1,4}x[1-9]\d{1,4}$/.test(v)) {
    throw invalidValue(
      'size',
      `Invalid value: '${v}'. Size must be in WxH form (WIDTHxHEIGHT in pixels, for example '${sizes[0]}'); supported sizes for ${modelId} are: ${quoteList(sizes, 'and')}.`,
    );
  }
  if (!sizes.includes(v)) {
    if (PRO_SIZES.includes(v) && !model.pro) {
      throw invalidValue('size', `Invalid value: '${v}'. This size needs a Pro model such as 'sora-2-pro'; supported sizes for ${modelId} are: ${quoteList(sizes, 'and')}.`);
    }
    throw invalidValue('size', `Invalid value: '${v}'. Supported values are: ${quoteList(sizes, 'and')}.`);
  }
  return v;
}

export function parseSeed(v: unknown): number | null {
  if (v === undefined || v === null) return null;
  const n = typeof v === 'string' && /^\d{1,10}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number') throw invalidType('seed', `Invalid type for 'seed': expected an integer, but got ${typeName(v)} instead.`);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw invalidValue('seed', `Invalid value: '${String(v)}'. 'seed' must be an integer from 0 to 4294967295.`);
  }
  return n;
}

function parseFit(v: unknown): Fit | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw invalidType('input_reference_fit', `Invalid type for 'input_reference_fit': expected one of ${quoteList(FITS, 'or')}, but got ${typeName(v)} instead.`);
  if (!FITS.includes(v as Fit)) throw invalidValue('input_reference_fit', `Invalid value: '${v}'. Supported values are: ${quoteList(FITS, 'and')}.`);
  return v as Fit;
}

function parseReference(v: unknown, files: UploadedFile[]): ReferenceSpec | null {
  const uploads = files.filter((f) => f.field === 'input_reference');
  const tooMany = () => invalidRequest('Provide at most one input_reference: a single image file, or one object with image_url or file_id.', 'input_reference', 'invalid_value');
  if (uploads.length > 1 || (uploads.length === 1 && v !== undefined)) throw tooMany();
  if (uploads.length === 1) return { kind: 'file', file: uploads[0] };
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw invalidType('input_reference', `Invalid type for 'input_reference': expected an object with image_url or file_id, but got ${typeName(v)} instead.`);
  }
  const obj = v as Record<string, unknown>;
  for (const k of Object.keys(obj)) if (k !== 'image_url' && k !== 'file_id') throw unknownParam(`input_reference.${k}`);
  const hasUrl = obj.image_url !== undefined;
  const hasFile = obj.file_id !== undefined;
  if (hasUrl === hasFile) throw invalidRequest('input_reference must have exactly one of image_url or file_id.', 'input_reference', 'invalid_value');
  if (hasUrl) {
    if (typeof obj.image_url !== 'string') throw invalidType('input_reference.image_url', `Invalid type for 'input_reference.image_url': expected a string, but got ${typeName(obj.image_url)} instead.`);
    return { kind: 'url', url: obj.image_url };
  }
  if (typeof obj.file_id !== 'string') throw invalidType('input_reference.file_id', `Invalid type for 'input_reference.file_id': expected a string, but got ${typeName(obj.file_id)} instead.`);
  return { kind: 'file_id', fileId: obj.file_id };
}

/** `characters` as a JSON array, or multipart's characters[0][id] (an object keyed by index). */
function parseCharacters(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  let list: unknown[];
  if (Array.isArray(v)) list = v;
  else if (typeof v === 'object' && Object.keys(v as object).every((k) => /^\d+$/.test(k))) {
    list = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => Number(a) - Number(b)).map(([, x]) => x);
  } else throw invalidType('characters', `Invalid type for 'characters': expected an array of objects with an id, but got ${typeName(v)} instead.`);
  if (list.length > 2) throw invalidValue('characters', `Invalid 'characters': at most 2 characters may be used in one video, but got ${list.length}.`);
  return list.map((c, i) => {
    const id = c && typeof c === 'object' ? (c as Record<string, unknown>).id : undefined;
    if (typeof id !== 'string') throw invalidValue(`characters[${i}].id`, `Invalid 'characters[${i}]': expected an object with a string id.`);
    return id;
  });
}

export const CREATE_FIELDS = ['prompt', 'model', 'seconds', 'size', 'input_reference', 'characters', 'seed', 'input_reference_fit'] as const;

export function parseCreate(input: RequestInput, catalog: ModelCatalog): CreateRequest {
  const f = input.fields;
  rejectUnknown(f, input.files, CREATE_FIELDS, ['input_reference']);
  const prompt = parsePrompt(f.prompt);
  const { entry, id } = parseModel(f.model, catalog);
  const seconds = parseSeconds(f.seconds) ?? entry.capabilities.default_seconds;
  if (!entry.capabilities.seconds.includes(seconds)) {
    throw invalidValue('seconds', `Invalid value: '${seconds}'. Supported values for ${id} are: ${quoteList(entry.capabilities.seconds, 'and')}.`);
  }
  const size = parseSize(f.size, entry, id);
  const reference = parseReference(f.input_reference, input.files);
  if (reference && !entry.capabilities.input_reference) {
    throw invalidValue('input_reference', `The model ${id} does not accept an input_reference.`);
  }
  return {
    prompt,
    model: entry,
    modelId: id,
    seconds,
    size,
    reference,
    fit: parseFit(f.input_reference_fit),
    seed: parseSeed(f.seed),
    characterIds: parseCharacters(f.characters),
  };
}

export function parseRemix(input: RequestInput): { prompt: string } {
  rejectUnknown(input.fields, input.files, ['prompt']);
  return { prompt: parsePrompt(input.fields.prompt) };
}

/** `video` as {id} (JSON or video[id]) or an uploaded file. */
export function parseVideoSource(input: RequestInput): VideoSourceSpec {
  const uploads = input.files.filter((f) => f.field === 'video');
  const v = input.fields.video;
  if (uploads.length > 1 || (uploads.length === 1 && v !== undefined)) {
    throw invalidRequest("Provide the source video once: either video[id] or a video file.", 'video', 'invalid_value');
  }
  if (uploads.length === 1) return { kind: 'file', file: uploads[0] };
  if (v === undefined || v === null) throw missing('video');
  if (typeof v !== 'object' || Array.isArray(v)) throw invalidType('video', `Invalid type for 'video': expected an object with an id, but got ${typeName(v)} instead.`);
  const obj = v as Record<string, unknown>;
  for (const k of Object.keys(obj)) if (k !== 'id') throw unknownParam(`video.${k}`);
  if (obj.id === undefined) throw missing('video.id');
  if (typeof obj.id !== 'string') throw invalidType('video.id', `Invalid type for 'video.id': expected a string, but got ${typeName(obj.id)} instead.`);
  return { kind: 'id', id: obj.id };
}

export function parseEdit(input: RequestInput): { prompt: string; source: VideoSourceSpec } {
  rejectUnknown(input.fields, input.files, ['prompt', 'video'], ['video']);
  const prompt = parsePrompt(input.fields.prompt);
  return { prompt, source: parseVideoSource(input) };
}

export function parseExtension(input: RequestInput): { prompt: string; seconds: string; source: VideoSourceSpec } {
  rejectUnknown(input.fields, input.files, ['prompt', 'video', 'seconds'], ['video']);
  const prompt = parsePrompt(input.fields.prompt);
  const seconds = parseSeconds(input.fields.seconds);
  if (seconds === null) throw missing('seconds');
  return { prompt, seconds, source: parseVideoSource(input) };
}

export function parseCharacter(input: RequestInput): { name: string; file: UploadedFile } {
  rejectUnknown(input.fields, input.files, ['name', 'video'], ['video']);
  const name = input.fields.name;
  if (name === undefined || name === null) throw missing('name');
  if (typeof name !== 'string') throw invalidType('name', `Invalid type for 'name': expected a string, but got ${typeName(name)} instead.`);
  if (name.trim().length < 1 || name.length > 80) throw invalidValue('name', `Invalid 'name': expected a string of 1 to 80 characters, but got ${name.length}.`);
  const uploads = input.files.filter((f) => f.field === 'video');
  if (uploads.length === 0) throw missing('video');
  if (uploads.length > 1) throw invalidRequest('Provide exactly one video file.', 'video', 'invalid_value');
  return { name: name.trim(), file: uploads[0] };
}

export interface ListParams {
  after: string | null;
  limit: number;
  order: 'asc' | 'desc';
}

export function parseList(q: Record<string, unknown>): ListParams {
  for (const key of Object.keys(q)) if (!['after', 'limit', 'order'].includes(key)) throw unknownParam(key);
  let limit = 20;
  if (q.limit !== undefined) {
    const s = String(q.limit);
    if (!/^\d+$/.test(s) || Number(s) < 1 || Number(s) > 100) {
      throw invalidValue('limit', `Invalid value: '${s}'. 'limit' must be an integer from 1 to 100.`);
    }
    limit = Number(s);
  }
  const order = q.order === undefined ? 'desc' : String(q.order);
  if (order !== 'asc' && order !== 'desc') throw invalidValue('order', `Invalid value: '${order}'. Supported values are: 'asc' and 'desc'.`);
  const after = q.after === undefined || q.after === '' ? null : String(q.after);
  return { after, limit, order };
}
