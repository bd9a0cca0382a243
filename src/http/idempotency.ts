// Idempotency-Key on POSTs: the same key with the same request answers what the first answered
// (same status and body, no second video, no second quota charge) with `Idempotent-Replayed:
// true`; the same key with another request is refused. Keys are per project and kept for
// `idempotencyTtlHours`. Requests without the header are untouched.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { FastifyRequest } from 'fastify';
import type { Store } from '../store/index.js';
import { ApiError, type RequestInput } from '../videos/index.js';

export interface IdempotencyOptions {
  ttlMs: number;
  /** How long a request waits for another one running with its key before answering 409. */
  waitMs: number;
  /** A key begun this long ago whose request stored nothing belongs to a request that died. */
  abandonAfterMs: number;
}

/** What a route's action answered, as it will be sent (and replayed). */
export interface Answer {
  status: number;
  body: unknown;
}

/** The outcome: an answer to send, and whether it is a replay. */
export interface Outcome {
  answer: Answer;
  replayed: boolean;
}

const MAX_KEY_LENGTH = 255;

/** The request's Idempotency-Key, or null; a malformed one is refused. */
export function idempotencyKey(req: FastifyRequest): string | null {
  const raw = req.headers['idempotency-key'];
  if (raw === undefined) return null;
  const key = Array.isArray(raw) ? raw.join(',') : raw;
  if (key.length === 0 || key.length > MAX_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(key)) {
    throw new ApiError(
      400,
      `The Idempotency-Key header must be 1 to ${MAX_KEY_LENGTH} visible ASCII characters (no spaces).`,
      'invalid_request_error',
      null,
      'invalid_idempotency_key',
    );
  }
  return key;
}

/** Sorted keys at every level, so the same fields in another order are the same request. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = canonical((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

async function fileDigest(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * What makes two requests the same: the method, the path, the fields and each file's field name
 * and bytes (multipart filenames and declared types do not count; JSON and multipart differ only
 * where their fields do).
 */
export async function fingerprint(method: string, path: string, input: RequestInput): Promise<string> {
  const files = [];
  for (const f of input.files) files.push([f.field, await fileDigest(f.path)]);
  const text = JSON.stringify([method, path, canonical(input.fields), files]);
  return createHash('sha256').update(text).digest('hex');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Idempotency {
  constructor(
    private readonly store: Store,
    private readonly opts: IdempotencyOptions,
    /** The current answer for a resource a request stored but never answered (it died in between). */
    private readonly answerFor: (projectId: string, resourceId: string) => Promise<Answer>,
  ) {}

  /** Runs `act` once per key and request; a retry gets the first answer. */
  async run(projectId: string, key: string, print: string, act: () => Promise<Answer>): Promise<Outcome> {
    const deadline = Date.now() + this.opts.waitMs;
    for (;;) {
      const begun = await this.store.beginIdempotent(projectId, key, print, {
        nowMs: Date.now(),
        ttlMs: this.opts.ttlMs,
        abandonAfterMs: this.opts.abandonAfterMs,
      });
      switch (begun.state) {
        case 'replay':
          return { answer: { status: begun.status, body: JSON.parse(begun.body) }, replayed: true };
        case 'stored': {
          const answer = await this.answerFor(projectId, begun.resourceId);
          await this.store.finishIdempotent(projectId, key, answer.status, JSON.stringify(answer.body));
          return { answer, replayed: true };
        }
        case 'mismatch':
          throw new ApiError(
            422,
            'This Idempotency-Key was already used with a different request (another route, other fields or other files). ' +
              'Use a new key for a new request.',
            'invalid_request_error',
            null,
            'idempotency_key_reused',
          );
        case 'in_progress':
          if (Date.now() >= deadline) {
            throw new ApiError(
              409,
              'A request with this Idempotency-Key is still being processed. Retry in a moment to get its answer.',
              'invalid_request_error',
              null,
              'idempotency_key_in_progress',
              { 'retry-after': '1' },
            );
          }
          await sleep(50);
          continue;
        case 'started': {
          let answer: Answer;
          try {
            answer = await act();
          } catch (err) {
            // Nothing was stored (a refusal, a quota, a fault): a retry with this key runs afresh.
            await this.store.abandonIdempotent(projectId, key);
            throw err;
          }
          await this.store.finishIdempotent(projectId, key, answer.status, JSON.stringify(answer.body));
          return { answer, replayed: false };
        }
      }
    }
  }
}
