// What upstream servers answer, mapped onto the contract: status, progress, error messages.
import type { IncomingHttpHeaders } from 'node:http';

export type UpstreamStatus = 'queued' | 'in_progress' | 'completed' | 'failed' | 'unknown';

const STATUS: Record<string, UpstreamStatus> = {
  queued: 'queued', pending: 'queued', submitted: 'queued', waiting: 'queued', in_queue: 'queued',
  in_progress: 'in_progress', processing: 'in_progress', running: 'in_progress', not_start: 'in_progress',
  generating: 'in_progress', postprocessing: 'in_progress', started: 'in_progress',
  completed: 'completed', succeeded: 'completed', success: 'completed', done: 'completed', complete: 'completed',
  failed: 'failed', error: 'failed', cancelled: 'failed', canceled: 'failed', expired: 'failed', failure: 'failed', deleted: 'failed',
};

/** Anything not in the table counts as still running (until the job's timeout). */
export function normaliseStatus(raw: unknown): UpstreamStatus {
  if (typeof raw !== 'string') return 'unknown';
  return STATUS[raw.trim().toLowerCase().replace(/[\s-]+/g, '_')] ?? 'unknown';
}

/** Progress as 0-100 (numbers, numeric strings, "45%", or a 0-1 fraction when labelled so); null when absent. */
export function parseProgress(raw: unknown): number | null {
  let n: number;
  if (typeof raw === 'number') n = raw;
  else if (typeof raw === 'string' && /^\s*\d+(\.\d+)?\s*%?\s*$/.test(raw)) n = parseFloat(raw);
  else return null;
  if (!Number.isFinite(n)) return null;
  return Math.min(100, Math.max(0, Math.floor(n)));
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const clip = (s: string) => (s.length > 1000 ? `${s.slice(0, 1000)}…` : s);

/** The message of any of the error shapes upstreams send: OpenAI's envelope, FastAPI's detail, TRT's flat object, text. */
export function errorMessage(body: unknown, text = ''): string | null {
  if (isObject(body)) {
    const e = body.error;
    if (typeof e === 'string' && e) return clip(e);
    if (isObject(e) && typeof e.message === 'string' && e.message) return clip(e.message);
    const d = body.detail;
    if (typeof d === 'string' && d) return clip(d);
    if (Array.isArray(d) && d.length) {
      return clip(d.map((x) => (isObject(x) && typeof x.msg === 'string' ? x.msg : JSON.stringify(x))).join('; '));
    }
    if (isObject(d) && typeof d.message === 'string') return clip(d.message);
    for (const k of ['message', 'fail_reason', 'error_message', 'reason']) {
      if (typeof body[k] === 'string' && body[k]) return clip(body[k] as string);
    }
    return null;
  }
  const t = text.trim();
  return t && !t.startsWith('<') ? clip(t) : null;
}

/** The contract's failure codes an upstream reelay (or OpenAI) may report; others become upstream_error. */
const PASS_CODES = new Set(['moderation_blocked', 'engine_error', 'upstream_error', 'upstream_timeout', 'timeout']);

export function failureCode(body: unknown): string {
  const e = isObject(body) ? body.error : null;
  return isObject(e) && typeof e.code === 'string' && PASS_CODES.has(e.code) ? e.code : 'upstream_error';
}

/** Milliseconds from `openai-poll-after-ms` or `Retry-After` (seconds or an HTTP date); null when absent. */
export function waitHint(headers: IncomingHttpHeaders, now = Date.now()): number | null {
  const pollAfter = Number(headers['openai-poll-after-ms']);
  if (headers['openai-poll-after-ms'] !== undefined && Number.isFinite(pollAfter) && pollAfter >= 0) return pollAfter;
  return retryAfter(headers, now);
}

export function retryAfter(headers: IncomingHttpHeaders, now = Date.now()): number | null {
  const ra = headers['retry-after'];
  if (typeof ra !== 'string' || !ra.trim()) return null;
  if (/^\d+(\.\d+)?$/.test(ra.trim())) return Math.round(Number(ra) * 1000);
  const at = Date.parse(ra);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

/** The upstream's job id from a create or retrieve body (OpenAI `id`; some gateways `task_id`). */
export function jobId(body: unknown): string | null {
  if (!isObject(body)) return null;
  for (const k of ['id', 'task_id', 'video_id']) {
    const v = body[k];
    if (typeof v === 'string' && v && v.length <= 512) return v;
  }
  if (isObject(body.data)) return jobId(body.data);
  return null;
}
