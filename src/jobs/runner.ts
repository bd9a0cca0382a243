// The runner: claims queued videos, runs them on their engine under a renewed lease, derives
// missing assets, and records the terminal state. A job whose process dies is claimed again
// once its lease lapses (at once on restart, since the embedded store has one process).
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes, createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { createReadStream } from 'node:fs';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { AssetRecord, Store, Variant, VideoRecord } from '../store/index.js';
import type { BlobStore } from '../blobs/index.js';
import { EngineError, type Engine, type JobContext, type JobInputs } from '../engines/index.js';
import { probe, extractFramePng, spritesheetJpeg, pngToWebp } from '../media/index.js';
import { isH264Mp4 } from './mp4.js';

const CONTENT_TYPES: Record<Variant, string> = { video: 'video/mp4', thumbnail: 'image/webp', spritesheet: 'image/jpeg' };
const EXT: Record<Variant, string> = { video: 'mp4', thumbnail: 'webp', spritesheet: 'jpg' };

export const assetKey = (videoId: string, variant: Variant) => `videos/${videoId}/${variant}.${EXT[variant]}`;

export interface RunnerHooks {
  /** Called once per finished attempt with the engine's wall time. */
  onFinished?(engine: string, status: 'completed' | 'failed' | 'retry' | 'cancelled', seconds: number): void;
}

/** Leases renewed per store write: a heartbeat never holds the event loop for long, however many jobs run. */
const RENEW_CHUNK = 500;

export class Runner {
  readonly owner = `runner_${randomBytes(6).toString('hex')}`;
  private readonly active = new Map<string, AbortController>();
  /** Jobs running per engine, and each engine's limit: local jobs get `concurrency`, an upstream its maxInFlight. */
  private readonly running = new Map<string, number>();
  private readonly limits = new Map<string, number>();
  private readonly jobs = new Set<Promise<void>>();
  private readonly capacity: number;
  private dispatcher: Promise<void> | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private renewing = false;
  private stopping = false;
  /** Ends the dispatcher's wait: a job was queued or finished, or the runner is stopping. */
  private nudge: (() => void) | null = null;

  constructor(
    private readonly cfg: Config,
    private readonly store: Store,
    private readonly blobs: BlobStore,
    private readonly engines: Map<string, Engine>,
    private readonly log: Logger,
    private readonly hooks: RunnerHooks = {},
  ) {
    // An upstream job holds its slot while it waits on the upstream, so each upstream brings its own
    // slots; local jobs never take more than `concurrency`, whatever else is free.
    for (const id of engines.keys()) {
      const upstream = id.startsWith('upstream:') ? cfg.upstreams.find((u) => `upstream:${u.id}` === id) : undefined;
      this.limits.set(id, engines.get(id)!.slots ?? (upstream ? upstream.maxInFlight : cfg.concurrency));
    }
    this.capacity = [...this.limits.values()].reduce((a, b) => a + b, 0) || cfg.concurrency;
  }

  async start(): Promise<void> {
    // On a store of its own, every lease left is a dead process's: take them back at once. On a
    // shared store the other holders may be alive; a dead one's leases lapse and are claimed then.
    if (!this.store.shared) {
      const released = await this.store.releaseAllLeases();
      if (released) this.log.info({ released }, 'resuming jobs left in progress by an earlier process');
    }
    // Another process queued a job, or changed (deleted) one this runner holds.
    this.store.onRemoteChange((change) => {
      if (change.kind === 'job_queued') this.wake();
      else if (change.kind === 'video_changed' && change.id && this.active.has(change.id)) void this.renewAll();
    });
    // One heartbeat for every job this runner holds (not a timer and a write per job).
    this.heartbeat = setInterval(() => void this.renewAll(), Math.max(20, Math.floor(this.cfg.jobLeaseMs / 3)));
    this.dispatcher = this.dispatch();
  }

  /** A new job was queued: look at the queue now. */
  wake(): void {
    this.nudge?.();
  }

  /** A video was deleted: stop its engine if it runs here. */
  cancel(id: string): void {
    this.active.get(id)?.abort(new EngineError('cancelled', 'The video was deleted.'));
  }

  /** Stops claiming, lets running jobs finish up to `graceMs`, then aborts them (they resume on restart). */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    this.nudge?.();
    await this.dispatcher;
    const timer = setTimeout(() => {
      for (const ac of this.active.values()) ac.abort(new EngineError('shutdown', 'The server is shutting down.'));
    }, graceMs);
    while (this.jobs.size) await Promise.all([...this.jobs]);
    clearTimeout(timer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  /** Waits for a nudge, or `ms` when given. */
  private async wait(ms?: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const t = ms === undefined ? undefined : setTimeout(() => done(), ms);
      const done = () => {
        clearTimeout(t);
        this.nudge = null;
        resolve();
      };
      this.nudge = done;
    });
  }

  /** Engines at their limit: claims skip their jobs. */
  private full(): string[] {
    return [...this.limits].filter(([id, max]) => (this.running.get(id) ?? 0) >= max).map(([id]) => id);
  }

  /** The one claiming loop: takes jobs while there is room, then waits for a job to end or be queued. */
  private async dispatch(): Promise<void> {
    while (!this.stopping) {
      // No room anywhere: no claim (it would only walk past jobs that cannot start) until a job ends.
      const full = this.full();
      if (this.jobs.size >= this.capacity || (this.limits.size > 0 && full.length === this.limits.size)) {
        await this.wait();
        continue;
      }
      let job: VideoRecord | null = null;
      try {
        job = await this.store.claimNext(this.owner, this.cfg.jobLeaseMs, Date.now(), full);
      } catch (err) {
        this.log.error({ err }, 'claim failed');
      }
      // Nothing to take: look again in half a second (jobs whose retry time comes, lapsed leases), or when nudged.
      if (!job) await this.wait(500);
      else if (!this.stopping) this.launch(job);
      else await this.store.releaseInterrupted(job.id, this.owner).catch(() => {});
    }
  }

  private launch(job: VideoRecord): void {
    this.running.set(job.engine, (this.running.get(job.engine) ?? 0) + 1);
    const p: Promise<void> = this.runJob(job)
      .catch(async (err) => {
        // Only the store failing gets here; let the job go for now (claims skip our own leases).
        this.log.error({ err, video_id: job.id }, 'job bookkeeping failed');
        await this.store.retryLater(job.id, this.owner, Date.now() + 5000).catch(() => {});
      })
      .finally(() => {
        this.running.set(job.engine, this.running.get(job.engine)! - 1);
        this.jobs.delete(p);
        this.nudge?.();
      });
    this.jobs.add(p);
  }

  /** Renews every lease this runner holds; a job whose lease is no longer ours is stopped. */
  private async renewAll(): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    try {
      const held = [...this.active];
      for (let i = 0; i < held.length; i += RENEW_CHUNK) {
        const chunk = held.slice(i, i + RENEW_CHUNK);
        const kept = new Set(await this.store.renewLeases(chunk.map(([id]) => id), this.owner, this.cfg.jobLeaseMs, Date.now()));
        for (const [id, ac] of chunk) if (!kept.has(id)) ac.abort(new EngineError('cancelled', 'The job is no longer ours.'));
        if (i + RENEW_CHUNK < held.length) await new Promise((r) => setImmediate(r));
      }
    } catch (err) {
      this.log.error({ err }, 'heartbeat failed');
    } finally {
      this.renewing = false;
    }
  }

  private async runJob(video: VideoRecord): Promise<void> {
    // Bindings passed to each line, not a child logger: thousands of jobs wait at once, and each child costs memory.
    const tag = { video_id: video.id, attempt: video.attempts };
    const now = () => Math.floor(Date.now() / 1000);
    if (video.attempts > this.cfg.jobMaxAttempts) {
      await this.store.fail(video.id, this.owner, now(), 'internal_error', `The video could not be generated after ${this.cfg.jobMaxAttempts} attempts.`);
      this.log.warn(tag, 'job failed: out of attempts');
      return;
    }
    const engine = this.engines.get(video.engine);
    if (!engine) {
      await this.store.fail(video.id, this.owner, now(), 'engine_error', `No engine named '${video.engine}' is configured.`);
      return;
    }
    const ac = new AbortController();
    this.active.set(video.id, ac);
    const workDir = join(this.cfg.dataDir, 'tmp', `${video.id}-${video.attempts}`);
    const written = new Map<Variant, AssetRecord>();
    const started = Date.now();
    let outcome: 'completed' | 'failed' | 'retry' | 'cancelled' = 'failed';
    try {
      await mkdir(workDir, { recursive: true });
      const ctx: JobContext = {
        video,
        inputs: await this.inputs(video, workDir),
        state: video.engineState,
        workDir,
        signal: ac.signal,
        checkpoint: async (state) => {
          if (!(await this.store.checkpoint(video.id, this.owner, state))) throw new EngineError('cancelled', 'The job is no longer ours.');
        },
        progress: async (p) => {
          // Not ours any more (deleted before this attempt was registered for cancel): stop now.
          if (!(await this.store.setProgress(video.id, this.owner, p))) ac.abort(new EngineError('cancelled', 'The job is no longer ours.'));
        },
        writeAsset: async (variant, data) => {
          written.set(variant, await this.saveAsset(video.id, variant, data));
        },
      };
      this.log.info({ ...tag, engine: engine.id, kind: video.kind }, 'job started');
      await engine.run(ctx);
      if (ac.signal.aborted) throw ac.signal.reason;
      if (!written.has('video')) throw new EngineError('engine_error', 'The engine finished without a video.');
      await this.deriveMissing(video.id, written, workDir, ac.signal);
      const completedAt = now();
      const expiresAt = completedAt + Math.round(this.cfg.retentionHours * 3600);
      const done = await this.store.complete(video.id, this.owner, completedAt, expiresAt, [...written.values()]);
      outcome = done ? 'completed' : 'cancelled';
      if (!done) await this.blobs.deletePrefix(`videos/${video.id}`);
      this.log.info({ ...tag, ms: Date.now() - started, done }, 'job finished');
    } catch (raw) {
      outcome = await this.handleError(video, raw, ac.signal, tag);
    } finally {
      this.active.delete(video.id);
      await rm(workDir, { recursive: true, force: true }).catch(() => {});
      this.hooks.onFinished?.(engine.id, outcome, (Date.now() - started) / 1000);
    }
  }

  private async handleError(video: VideoRecord, raw: unknown, signal: AbortSignal, tag: object) {
    const now = Math.floor(Date.now() / 1000);
    const reason = signal.aborted ? signal.reason : raw;
    const err = reason instanceof EngineError ? reason : null;
    if (err?.code === 'cancelled' || (signal.aborted && err?.code !== 'shutdown')) {
      await this.blobs.deletePrefix(`videos/${video.id}`);
      this.log.info(tag, 'job cancelled');
      return 'cancelled' as const;
    }
    if (err?.code === 'shutdown') {
      // Back to the queue from its checkpoint; being interrupted is not the job's fault, so the
      // attempt is given back (a job that only ever meets restarts is never failed for it).
      await this.store.releaseInterrupted(video.id, this.owner);
      this.log.info(tag, 'job interrupted by shutdown; it resumes on the next start');
      return 'retry' as const;
    }
    const retryable = err ? err.retryable : true;
    if (!err) this.log.error({ ...tag, err: raw }, 'job crashed');
    else this.log.warn({ ...tag, code: err.code, message: err.message }, 'engine error');
    if (retryable && video.attempts < this.cfg.jobMaxAttempts) {
      const delay = Math.min(60_000, 1000 * 2 ** (video.attempts - 1)) * (0.75 + Math.random() * 0.5);
      await this.store.retryLater(video.id, this.owner, Date.now() + delay);
      return 'retry' as const;
    }
    const code = err?.code ?? 'internal_error';
    const message = err?.message ?? 'The video could not be generated because of an internal error.';
    await this.store.fail(video.id, this.owner, now, code, message);
    await this.blobs.deletePrefix(`videos/${video.id}`);
    return 'failed' as const;
  }

  /** The job's inputs as local files; a remote blob store's copies go into the work dir, removed with it. */
  private async inputs(video: VideoRecord, workDir: string): Promise<JobInputs> {
    const p = video.params;
    let source: VideoRecord | null = null;
    let sourceVideoPath: string | null = null;
    if (video.sourceVideoId) {
      source = await this.store.getVideoById(video.sourceVideoId);
      const asset = source && !source.deletedAt ? await this.store.getAsset(source.id, 'video') : null;
      if (asset) sourceVideoPath = await this.blobs.localPath(asset.key, workDir);
    }
    if (p.uploadKey) sourceVideoPath = await this.blobs.localPath(p.uploadKey, workDir);
    const characters: JobInputs['characters'] = [];
    for (const id of p.characters) {
      const c = await this.store.getCharacter(id, video.projectId);
      if (c) characters.push({ id: c.id, name: c.name, framePath: await this.blobs.localPath(c.frameKey, workDir), clipPath: await this.blobs.localPath(c.clipKey, workDir) });
    }
    return {
      referencePath: p.referenceKey ? await this.blobs.localPath(p.referenceKey, workDir) : null,
      sourceVideoPath,
      source,
      characters,
    };
  }

  private async saveAsset(videoId: string, variant: Variant, data: Readable | Buffer | string): Promise<AssetRecord> {
    const key = assetKey(videoId, variant);
    // The ETag is hashed from the bytes on their way in: reading the blob back would download it
    // again from a remote store.
    const hash = createHash('sha256');
    let stat;
    if (typeof data === 'string') {
      for await (const chunk of createReadStream(data)) hash.update(chunk as Buffer);
      stat = await this.blobs.putFile(key, data);
    } else if (Buffer.isBuffer(data)) {
      hash.update(data);
      stat = await this.blobs.put(key, data);
    } else {
      const tap = new Transform({ transform: (chunk: Buffer, _enc, done) => (hash.update(chunk), done(null, chunk)) });
      data.on('error', (err) => tap.destroy(err));
      stat = await this.blobs.put(key, data.pipe(tap));
    }
    return { videoId, variant, key, bytes: stat.bytes, etag: `"${hash.digest('hex').slice(0, 32)}"`, contentType: CONTENT_TYPES[variant] };
  }

  /** Thumbnail and spritesheet from the video when the engine gave none; the video itself is checked. */
  private async deriveMissing(videoId: string, written: Map<Variant, AssetRecord>, workDir: string, signal: AbortSignal) {
    const videoPath = await this.blobs.localPath(written.get('video')!.key, workDir);
    // With every variant given, only the codec is in question: the MP4's own boxes answer that without
    // a child process; ffprobe judges whenever they do not, and measures when frames are to be taken.
    if (written.has('thumbnail') && written.has('spritesheet') && (await isH264Mp4(videoPath))) return;
    const info = await probe(videoPath, signal).catch(() => null);
    if (!info || info.codec !== 'h264') throw new EngineError('engine_error', 'The engine produced a file that is not an H.264 video.');
    if (!written.has('thumbnail')) {
      const png = await extractFramePng(videoPath, Math.min(info.duration / 2, 1), signal);
      written.set('thumbnail', await this.saveAsset(videoId, 'thumbnail', await pngToWebp(png, 640)));
    }
    if (!written.has('spritesheet')) {
      const jpg = await spritesheetJpeg(videoPath, info.duration, 5, 5, 160, signal);
      written.set('spritesheet', await this.saveAsset(videoId, 'spritesheet', jpg));
    }
  }
}
