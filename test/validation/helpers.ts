// Raw-HTTP helpers for the validation tests: fetch against a real server, envelope checks.
import assert from 'node:assert/strict';
import type { TestServer } from '../helpers/server.js';

/** A prompt that keeps a video in_progress (the local engine sleeps, cancellably) instead of rendering. */
export const SLOW = '[reelay:slow=600]';

export interface Answer {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

export async function call(t: TestServer, method: string, path: string, opts: { json?: unknown; form?: FormData; raw?: string | Buffer; contentType?: string; key?: string | null; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...(opts.key === null ? {} : t.auth(opts.key)), ...opts.headers };
  let body: BodyInit | undefined;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.form) body = opts.form;
  else if (opts.raw !== undefined) {
    headers['content-type'] = opts.contentType ?? 'application/json';
    body = opts.raw as BodyInit;
  }
  const res = await fetch(`${t.url}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

export const postJson = (t: TestServer, path: string, json: unknown, key?: string) => call(t, 'POST', path, { json, key });
export const postForm = (t: TestServer, path: string, form: FormData, key?: string) => call(t, 'POST', path, { form, key });

/** multipart form from plain fields, as the SDK sends them. */
export function form(fields: Record<string, string>, files: { field: string; data: Buffer; name: string; type: string }[] = []): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  for (const f of files) fd.append(f.field, new Blob([new Uint8Array(f.data)], { type: f.type }), f.name);
  return fd;
}

/** Asserts the contract's error envelope (all four keys), the status and x-request-id; returns the error. */
export function assertError(
  a: Answer,
  status: number,
  expect: { param?: string | null; code?: string | null; type?: string; message?: string | RegExp } = {},
) {
  assert.equal(a.status, status, `expected ${status}, got ${a.status}: ${a.text}`);
  assert.match(a.headers.get('x-request-id') ?? '', /^req_/, 'x-request-id on an error');
  assert.match(a.headers.get('openai-processing-ms') ?? '', /^\d+$/, 'openai-processing-ms on an error');
  assert.match(a.headers.get('content-type') ?? '', /^application\/json/);
  assert.ok(a.body && typeof a.body === 'object' && a.body.error, `envelope: ${a.text}`);
  const e = a.body.error;
  assert.deepEqual(Object.keys(e).sort(), ['code', 'message', 'param', 'type']);
  assert.equal(typeof e.message, 'string');
  assert.ok(e.message.length > 0);
  assert.equal(typeof e.type, 'string');
  assert.ok(e.param === null || typeof e.param === 'string');
  assert.ok(e.code === null || typeof e.code === 'string');
  assert.equal(e.type, expect.type ?? (status >= 500 ? 'server_error' : 'invalid_request_error'));
  if ('param' in expect) assert.equal(e.param, expect.param);
  if ('code' in expect) assert.equal(e.code, expect.code);
  if (typeof expect.message === 'string') assert.equal(e.message, expect.message);
  else if (expect.message) assert.match(e.message, expect.message);
  return e as { message: string; type: string; param: string | null; code: string | null };
}

export function assertVideo(a: Answer) {
  assert.equal(a.status, 200, a.text);
  assert.equal(a.body.object, 'video');
  assert.match(a.body.id, /^video_[0-9a-f]{32}$/);
  return a.body as { id: string; model: string; size: string; seconds: string; status: string; prompt: string };
}
