// The upstream engine: submit once (checkpointing the upstream id before anything else), let the
// shared scheduler poll, then copy every asset into reelay's storage.
import { join } from 'node:path';
import sharp from 'sharp';
import type { Logger } from 'pino';
import { EngineError, type Engine, type JobContext } from '../engine.js';
import type { ModelCapabilities } from '../../videos/models.js';
import { DownloadError, sniff, type AssetVariant, type UpstreamClient } from './client.js';
import type { PollScheduler } from './scheduler.js';
import { buildCharacterRequest, buildRequest, reconcile, sendCreate } from './submit.js';
import { isObject } from './normalise.js';

/** What the engine checkpoints. `submitting` is written before the create leaves, `submitted` as soon as the id is known. */
export type UpstreamState =
  | { phase: 'submitting'; upstream: string; startedAt: number }
  | { phase: 'submitted'; upstream: string; upstreamId: string; startedAt: number; submittedAt: number };

export function parseState(raw: unknown): UpstreamState | null {
  if (!isObject(raw) || typeof raw.upstream !== 'string' || typeof raw.startedAt !== 'number') return null;
  if (raw.phase === 'submitting') return { phase: 'submitting', upstream: raw.upstream, startedAt: raw.startedAt };
  if (raw.phase === 'submitted' && typeof raw.upstreamId === 'string' && typeof raw.submittedAt === 'number') {
    return { phase: 'submitted', upstream: raw.upstream, upstreamId: raw.upstreamId, startedAt: raw.startedAt, submittedAt: raw.submittedAt };
  }
  return null;
}

/** What the engine needs from the pool of upstreams. */
export interface UpstreamRegistry {
  readonly scheduler: PollScheduler;
  client(id: string): UpstreamClient | undefined;
  /** Upstreams that can take this create, this engine's own first. */
  candidates(primary: string, job: JobContext): UpstreamClient[];
  capabilities(model: string): ModelCapabilities | null;
}

/** Waits `ms`; rejects with the signal's reason when it aborts first. */
export const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });

const backoffMs = (attempt: number, hint: number | null = null) =>
  Math.max(hint ?? 0, Math.min(30_000, 500 * 2 ** attempt) * (0.75 + Math.random() * 0.5));

const CAPABILITY = { remix: 'remix', edit: 'edit', extension: 'extend' } as const;

export class UpstreamEngine implements Engine {
  readonly id: string;

  constructor(
    readonly upstream: string,
    private readonly pool: UpstreamRegistry,
    private readonly log: Logger,
  ) {
    this.id = `upstream:${upstream}`;
  }

  describe(model: string): ModelCapabilities | null {
    return this.pool.capabilities(model);
  }

  async run(job: JobContext): Promise<void> {
    const state = parseState(job.state);
    let client: UpstreamClient;
    let upstreamId: string;
    let submittedAt: number;
    let firstDelay: number;
    if (state) {
      client = this.clientOf(state.upstream);
      if (state.phase === 'submitted') {
        upstreamId = state.upstreamId;
        submittedAt = state.submittedAt;
      } else {
        // An earlier attempt died while its create was on the wire: find it, never send it again.
        const found = await reconcile(client, job, state.startedAt);
        if (!found) throw this.unknownOutcome(client, 'an earlier attempt was interrupted while submitting');
        upstreamId = found;
        submittedAt = state.startedAt;
        await this.markSubmitted(job, client, upstreamId, state.startedAt, submittedAt);
      }
      client.inFlight.force();
      firstDelay = Math.random() * Math.min(client.cfg.pollIntervalMs, 2000); // spread a restart's polls
    } else {
      ({ client, upstreamId, submittedAt, firstDelay } = await this.submit(job));
    }

    try {
      let last = -1;
      await this.pool.scheduler.track(client, upstreamId, {
        firstDelayMs: firstDelay,
        deadline: submittedAt + client.cfg.jobTimeoutMs,
        signal: job.signal,
        onProgress: (p) => {
          const clamped = Math.min(99, Math.max(0, p));
          if (clamped <= last) return;
          last = clamped;
          job.progress(clamped).catch(() => {});
        },
      });
    } catch (err) {
      if (err instanceof EngineError && err.code === 'upstream_timeout') void client.cancel(upstreamId);
      throw err;
    } finally {
      client.inFlight.release();
    }
    await this.copyAssets(job, client, upstreamId);
  }

  private clientOf(id: string): UpstreamClient {
    const c = this.pool.client(id);
    if (!c) throw new EngineError('upstream_error', `The job belongs to the upstream '${id}', which is no longer configured.`);
    return c;
  }

  private unknownOutcome(client: UpstreamClient, why: string) {
    return new EngineError(
      'upstream_error',
      `The outcome of the submission to the upstream '${client.id}' is unknown (${why}), and it could not be found in the upstream's job list; reelay did not resubmit it, so the job is not run (or paid for) twice.`,
    );
  }

  private async markSubmitted(job: JobContext, client: UpstreamClient, upstreamId: string, startedAt: number, submittedAt: number) {
    try {
      await job.checkpoint({ phase: 'submitted', upstream: client.id, upstreamId, startedAt, submittedAt });
    } catch (err) {
      // Deleted (or taken from us) while submitting: nobody will track this upstream job, so stop it.
      void client.cancel(upstreamId);
      throw err;
    }
  }

  /** Submits the job once; fails over only when an upstream definitely did not take it. */
  private async submit(job: JobContext) {
    const v = job.video;
    let candidates: UpstreamClient[];
    let sourceUpstreamId: string | null = null;
    if (v.kind === 'create') {
      candidates = this.pool.candidates(this.upstream, job);
    } else {
      // Remix, edit and extend go where the source was made, with its id there.
      const src = job.inputs.source ? parseState(job.inputs.source.engineState) : null;
      if (job.inputs.source && src?.phase !== 'submitted') {
        throw new EngineError('upstream_error', `The source video ${job.inputs.source.id} was not made by an upstream, so it cannot be ${v.kind === 'extension' ? 'extended' : `${v.kind}ed`} there.`);
      }
      const client = this.clientOf(src ? src.upstream : this.upstream);
      const cap = CAPABILITY[v.kind as keyof typeof CAPABILITY];
      if (!client.cfg.models[v.model]?.[cap]) {
        throw new EngineError('upstream_error', `The upstream '${client.id}' cannot ${cap} videos of ${v.model}.`);
      }
      if (src?.phase === 'submitted') sourceUpstreamId = src.upstreamId;
      candidates = [client];
    }
    if (!candidates.length) throw new EngineError('upstream_error', `No configured upstream serves ${v.model} with these settings.`);

    let lastMessage = 'no upstream was tried';
    for (const client of candidates) {
      await client.inFlight.acquire(job.signal);
      let keep = false;
      try {
        // A create naming characters makes them on this upstream first (a remix's are already there).
        let characterIds: string[] = [];
        if (v.kind === 'create' && job.inputs.characters.length) {
          const made = await this.makeCharacters(client, job);
          if (!Array.isArray(made)) {
            lastMessage = `${client.id}: ${made.message}`;
            this.log.warn({ video_id: v.id, upstream: client.id, why: made.message }, 'upstream did not take a character');
            continue;
          }
          characterIds = made;
        }
        const req = await buildRequest(client, job, sourceUpstreamId, characterIds);
        for (let attempt = 0; attempt <= client.cfg.submitRetries; attempt++) {
          if (job.signal.aborted) throw job.signal.reason;
          const startedAt = Date.now();
          await job.checkpoint({ phase: 'submitting', upstream: client.id, startedAt });
          const out = await sendCreate(client, req, `${v.id}-${v.attempts}-${attempt}`);
          if (out.kind === 'accepted' || out.kind === 'unknown') {
            let upstreamId = out.kind === 'accepted' ? out.upstreamId : await reconcile(client, job, startedAt);
            if (!upstreamId) throw this.unknownOutcome(client, out.kind === 'unknown' ? out.message : 'no id');
            const submittedAt = Date.now();
            await this.markSubmitted(job, client, upstreamId, startedAt, submittedAt);
            this.log.info({ video_id: v.id, upstream: client.id, upstream_id: upstreamId }, 'submitted upstream');
            keep = true;
            const firstDelay = out.kind === 'accepted' && out.waitMs !== null ? out.waitMs : client.cfg.pollIntervalMs;
            return { client, upstreamId, submittedAt, firstDelay };
          }
          if (out.kind === 'rejected') throw new EngineError('upstream_error', out.message);
          lastMessage = `${client.id}: ${out.message}`;
          this.log.warn({ video_id: v.id, upstream: client.id, attempt, why: out.message }, 'upstream did not take the job');
          if (out.kind === 'refused' || attempt === client.cfg.submitRetries) break;
          await sleep(backoffMs(attempt, out.retryAfterMs), job.signal);
        }
      } finally {
        if (!keep) client.inFlight.release();
      }
    }
    // Nothing was accepted anywhere; clear the marker so a later attempt may submit afresh.
    await job.checkpoint(null);
    throw new EngineError('upstream_error', `No upstream accepted the job (${lastMessage}).`);
  }

  /**
   * Uploads each character's clip to this upstream and returns their ids there. A character the
   * upstream refuses fails the job with its message; an upstream that cannot be reached (or is
   * busy) returns why, and the next upstream serving the model is tried. Nothing is paid for a
   * character, so an upload whose answer was lost is simply made again on the next attempt.
   */
  private async makeCharacters(client: UpstreamClient, job: JobContext): Promise<string[] | { message: string }> {
    const ids: string[] = [];
    for (const [k, c] of job.inputs.characters.entries()) {
      const out = await sendCreate(client, await buildCharacterRequest(client, c), `${job.video.id}-${job.video.attempts}-character-${k}`);
      if (out.kind === 'accepted') {
        ids.push(out.upstreamId);
        continue;
      }
      if (out.kind === 'rejected') throw new EngineError('upstream_error', `The upstream '${client.id}' refused the character '${c.name}': ${out.message}`);
      return { message: `character '${c.name}': ${out.message}` };
    }
    return ids;
  }

  /** The video (required, retried when cut) and, side by side, the thumbnail and spritesheet when the upstream has them. */
  private async copyAssets(job: JobContext, client: UpstreamClient, upstreamId: string) {
    const optional = client.cfg.variants
      ? (['thumbnail', 'spritesheet'] as const).map((variant) =>
          this.fetch(job, client, upstreamId, variant, join(job.workDir, `upstream-${variant}`), 0, false).catch(() => false),
        )
      : [];
    try {
      await this.fetch(job, client, upstreamId, 'video', join(job.workDir, 'upstream-video.mp4'), client.cfg.downloadRetries, true);
    } finally {
      await Promise.all(optional); // nothing may still be writing when the runner cleans up
    }
  }

  /** One variant into the job's storage; true when written. Missing optional variants are derived by the runner. */
  private async fetch(job: JobContext, client: UpstreamClient, upstreamId: string, variant: AssetVariant, path: string, retries: number, required: boolean): Promise<boolean> {
    let lastError = '';
    let transient = true;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt) await sleep(backoffMs(attempt), job.signal);
      try {
        await client.download(upstreamId, variant, path, job.signal);
      } catch (err) {
        if (job.signal.aborted) throw job.signal.reason;
        if (!(err instanceof DownloadError)) throw err;
        lastError = err.message;
        transient = err.retryable;
        this.log.warn({ video_id: job.video.id, upstream: client.id, variant, attempt, why: err.message }, 'upstream download failed');
        if (!err.retryable) break;
        continue;
      }
      const kind = await sniff(path);
      if (variant === 'video') {
        if (kind === 'mp4') {
          await job.writeAsset('video', path);
          return true;
        }
        lastError = `the upstream's video is not an MP4 file (${kind})`;
        transient = false;
        continue;
      }
      const want = variant === 'thumbnail' ? 'webp' : 'jpeg';
      if (kind === want) {
        await job.writeAsset(variant, path);
        return true;
      }
      if (kind === 'webp' || kind === 'jpeg' || kind === 'png') {
        const img = sharp(path, { limitInputPixels: 50_000_000 });
        await job.writeAsset(variant, await (want === 'webp' ? img.webp() : img.jpeg({ quality: 85 })).toBuffer());
        return true;
      }
      return false; // e.g. an MP4 from a server that ignores ?variant: the runner makes one locally
    }
    // A cut or missing file may be fine on the runner's next attempt (it polls again, never resubmits).
    if (required) throw new EngineError('upstream_error', `The finished video could not be copied from the upstream '${client.id}': ${lastError}.`, transient);
    return false;
  }
}
