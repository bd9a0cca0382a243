// Building the upstream's create request for each kind of job, and reading what the answer means
// for exactly-once submission: accepted, definitely not accepted, rejected, or unknown.
import { readFile } from 'node:fs/promises';
import type { JobContext } from '../engine.js';
import type { UpstreamClient } from './client.js';
import { formText, multipart, TransportError } from './http.js';
import { errorMessage, isObject, jobId, waitHint } from './normalise.js';

export type SubmitOutcome =
  | { kind: 'accepted'; upstreamId: string; waitMs: number | null }
  /** Nothing reached the upstream in full (refused, reset before sending): safe to fail over. */
  | { kind: 'refused'; message: string }
  /** The upstream answered 429/5xx: it did not take the job. */
  | { kind: 'busy'; message: string; retryAfterMs: number | null }
  /** The upstream said no (4xx): its message goes to the user. */
  | { kind: 'rejected'; message: string }
  /** The request left in full but no usable answer came back: the job may exist upstream. */
  | { kind: 'unknown'; message: string };

interface Built {
  path: string;
  body: Buffer;
  contentType: string;
}

function encode(client: UpstreamClient, path: string, fields: Record<string, unknown>, files: [string, { filename: string; contentType: string; data: Buffer }][]): Built {
  if (!files.length && !client.cfg.multipartOnly) {
    return { path, body: Buffer.from(JSON.stringify(fields)), contentType: 'application/json' };
  }
  const parts: [string, string | { filename: string; contentType: string; data: Buffer }][] = [];
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined || v === null) continue;
    // Nested objects use bracketed keys, as the SDKs send them (video[id], characters[0][id]).
    if (isObject(v) && k === 'video') for (const [sk, sv] of Object.entries(v)) parts.push([`${k}[${sk}]`, formText(sv)]);
    else if (Array.isArray(v) && v.every(isObject)) v.forEach((o, i) => Object.entries(o).forEach(([sk, sv]) => parts.push([`${k}[${i}][${sk}]`, formText(sv)])));
    else parts.push([k, formText(v)]);
  }
  parts.push(...files);
  const { body, contentType } = multipart(parts);
  return { path, body, contentType };
}

/** A character for the upstream: its name and the clip it was made from. */
export async function buildCharacterRequest(client: UpstreamClient, c: JobContext['inputs']['characters'][number]): Promise<Built> {
  return encode(client, '/videos/characters', { name: c.name }, [['video', { filename: 'character.mp4', contentType: 'video/mp4', data: await readFile(c.clipPath) }]]);
}

/**
 * The upstream request for this job. `sourceUpstreamId` is the source video's id upstream (remix,
 * edit, extend); `characterIds` are the video's characters as created on this upstream.
 */
export async function buildRequest(client: UpstreamClient, job: JobContext, sourceUpstreamId: string | null, characterIds: string[] = []): Promise<Built> {
  const v = job.video;
  const model = client.cfg.models[v.model];
  const prompt = v.prompt ?? '';
  const id = sourceUpstreamId ? encodeURIComponent(sourceUpstreamId) : null;
  if (v.kind === 'remix') {
    return encode(client, `/videos/${id}/remix`, { prompt }, []);
  }
  if (v.kind === 'edit' || v.kind === 'extension') {
    const fields: Record<string, unknown> = { prompt };
    const files: [string, { filename: string; contentType: string; data: Buffer }][] = [];
    if (v.kind === 'extension') {
      // Upstreams take the seconds to add. Jobs stored before extendSeconds existed had a source record.
      fields.seconds = String(v.params.extendSeconds ?? Number(v.seconds) - Number(job.inputs.source?.seconds ?? 0));
    }
    if (id) fields.video = { id: sourceUpstreamId };
    else if (job.inputs.sourceVideoPath) files.push(['video', { filename: 'source.mp4', contentType: 'video/mp4', data: await readFile(job.inputs.sourceVideoPath) }]);
    return encode(client, v.kind === 'edit' ? '/videos/edits' : '/videos/extensions', fields, files);
  }
  const fields: Record<string, unknown> = {
    ...client.cfg.extraFields,
    prompt,
    model: model?.upstreamModel ?? v.model,
    seconds: v.seconds,
    size: v.size,
    ...(characterIds.length ? { characters: characterIds.map((id) => ({ id })) } : {}),
  };
  const files: [string, { filename: string; contentType: string; data: Buffer }][] = [];
  if (job.inputs.referencePath) {
    files.push(['input_reference', { filename: 'reference.png', contentType: 'image/png', data: await readFile(job.inputs.referencePath) }]);
  }
  return encode(client, '/videos', fields, files);
}

/** Sends the create once, on a fresh connection, and classifies the answer. */
export async function sendCreate(client: UpstreamClient, req: Built, idempotencyKey: string): Promise<SubmitOutcome> {
  let res;
  await client.submitting.acquire();
  try {
    res = await client.call('POST', req.path, {
      body: req.body,
      contentType: req.contentType,
      timeoutMs: client.cfg.submitTimeoutMs,
      fresh: true,
      headers: { 'idempotency-key': idempotencyKey },
    });
  } catch (err) {
    if (err instanceof TransportError) {
      return err.sent
        ? { kind: 'unknown', message: `the request was sent but no answer came (${err.code}: ${err.message})` }
        : { kind: 'refused', message: `could not reach the upstream (${err.code}: ${err.message})` };
    }
    throw err;
  } finally {
    client.submitting.release();
  }
  const message = errorMessage(res.json, res.text) ?? `HTTP ${res.status}`;
  if (res.status >= 200 && res.status < 300) {
    const upstreamId = jobId(res.json);
    if (upstreamId) return { kind: 'accepted', upstreamId, waitMs: waitHint(res.headers) };
    return { kind: 'unknown', message: `the upstream answered HTTP ${res.status} without a job id` };
  }
  // A gateway timeout may have passed the job on before giving up: its outcome is unknown.
  if (res.status === 504) return { kind: 'unknown', message: `the upstream answered HTTP 504: ${message}` };
  if (res.status === 429 || res.status === 408 || res.status >= 500) {
    const ra = Number(res.headers['retry-after']);
    return { kind: 'busy', message: `HTTP ${res.status}: ${message}`, retryAfterMs: Number.isFinite(ra) && ra >= 0 ? ra * 1000 : null };
  }
  return { kind: 'rejected', message };
}

/** Waits before each look at the upstream's list: a create still in the upstream's hands may appear late. */
const LOOKS_MS = [0, 1000, 3000];

/** Finds the job a lost submit created, in the upstream's newest jobs; null unless exactly one matches. */
export async function reconcile(client: UpstreamClient, job: JobContext, startedAtMs: number): Promise<string | null> {
  if (!client.cfg.listJobs) return null;
  const since = Math.floor(startedAtMs / 1000) - 120; // clocks of two machines differ
  const model = client.cfg.models[job.video.model]?.upstreamModel;
  for (const wait of LOOKS_MS) {
    if (wait) await new Promise((r) => setTimeout(r, wait));
    let items: unknown[] | null;
    try {
      items = await client.listRecent();
    } catch {
      continue;
    }
    if (items === null) return null; // the upstream cannot list its jobs
    const matches = items.filter(
      (it) =>
        isObject(it) &&
        jobId(it) !== null &&
        it.prompt === job.video.prompt &&
        typeof it.created_at === 'number' &&
        it.created_at >= since &&
        (job.video.kind !== 'create' || it.model === undefined || it.model === model),
    );
    if (matches.length === 1) return jobId(matches[0]);
    if (matches.length > 1) return null; // ambiguous: adopting the wrong one would be worse than failing
  }
  return null;
}
