// Turns a JSON or multipart request into one RequestInput. Files stream to a temp dir, capped.
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import { ApiError, invalidRequest, tooLarge, type RequestInput, type UploadedFile } from '../videos/index.js';

/** Sets a[b][c] = value on a nested object; rejects prototype tricks. */
export function setNested(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
  if (!parts) throw invalidRequest(`Invalid form field name: '${key.slice(0, 100)}'.`, key.slice(0, 100), 'invalid_value');
  const path = [parts[1], ...[...parts[2].matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1])];
  let node: Record<string, unknown> = target;
  for (let i = 0; i < path.length; i++) {
    // `[]` appends: the openai SDK sends arrays as characters[][id], one element per field.
    const k = path[i] === '' && i > 0 ? String(Object.keys(node).length) : path[i];
    if (k === '__proto__' || k === 'constructor' || k === 'prototype' || k === '') {
      throw invalidRequest(`Invalid form field name: '${key.slice(0, 100)}'.`, key.slice(0, 100), 'invalid_value');
    }
    if (i === path.length - 1) node[k] = value;
    else {
      const next = node[k];
      if (next === undefined || typeof next !== 'object' || next === null) node[k] = Object.create(null);
      node = node[k] as Record<string, unknown>;
    }
  }
}

export interface BodyLimits {
  tmpDir: string;
  maxUploadBytes: number;
  maxFieldBytes: number;
}

export class ParsedBody {
  constructor(
    readonly input: RequestInput,
    private readonly dir: string | null,
  ) {}

  async cleanup(): Promise<void> {
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}

export async function readBody(req: FastifyRequest, limits: BodyLimits): Promise<ParsedBody> {
  if (!req.isMultipart()) {
    const body = req.body;
    if (body === undefined || body === null) return new ParsedBody({ fields: {}, files: [] }, null);
    // fastify parses text/plain into a string; only JSON and multipart are API bodies.
    if (typeof body === 'string' && !/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      throw new ApiError(415, "Unsupported Content-Type: send 'application/json' or 'multipart/form-data'.", 'invalid_request_error', null, 'unsupported_media_type');
    }
    if (typeof body !== 'object' || Array.isArray(body)) {
      throw invalidRequest('The request body must be a JSON object.', null, 'invalid_json');
    }
    return new ParsedBody({ fields: body as Record<string, unknown>, files: [] }, null);
  }
  const dir = join(limits.tmpDir, `upload-${randomBytes(8).toString('hex')}`);
  const fields: Record<string, unknown> = Object.create(null);
  const files: UploadedFile[] = [];
  const parsed = new ParsedBody({ fields, files }, dir);
  let fieldBytes = 0; // text fields are held in memory: cap their sum, not just each one
  try {
    const parts = req.parts({
      limits: { fileSize: limits.maxUploadBytes, files: 4, fields: 64, fieldSize: limits.maxFieldBytes, parts: 70 },
    });
    for await (const part of parts) {
      if (part.type === 'file') {
        if (files.length === 0) await mkdir(dir, { recursive: true });
        const path = join(dir, `f${files.length}`);
        await pipeline(part.file, createWriteStream(path));
        if (part.file.truncated) throw tooLarge(`The uploaded file '${part.fieldname}' exceeds the ${limits.maxUploadBytes}-byte limit.`);
        files.push({ field: part.fieldname, filename: part.filename ?? '', mimetype: part.mimetype, path, bytes: part.file.bytesRead });
      } else {
        if (part.valueTruncated) throw tooLarge(`The form field '${part.fieldname}' is too large.`);
        fieldBytes += typeof part.value === 'string' ? Buffer.byteLength(part.value) : 0;
        if (fieldBytes > limits.maxFieldBytes) throw tooLarge('The form fields together are too large.');
        setNested(fields, part.fieldname, part.value);
      }
    }
  } catch (err) {
    await parsed.cleanup();
    if (err instanceof ApiError) throw err;
    const e = err as { statusCode?: number; code?: string; message?: string };
    if (e.statusCode === 413 || e.code === 'FST_REQ_FILE_TOO_LARGE') {
      throw tooLarge(`The uploaded file exceeds the ${limits.maxUploadBytes}-byte limit.`);
    }
    if (e.code === 'FST_FILES_LIMIT' || e.code === 'FST_FIELDS_LIMIT' || e.code === 'FST_PARTS_LIMIT') {
      throw tooLarge('The form has too many parts.');
    }
    throw invalidRequest(`The multipart body could not be read: ${e.message ?? 'malformed'}.`, null, 'invalid_multipart');
  }
  return parsed;
}
