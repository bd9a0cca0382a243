// The composition root: wires config, store, blobs, engines, runner, service and HTTP together.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/index.js';
import { openStore, type Store } from './store/index.js';
import { connectBlobs, type BlobStore } from './blobs/index.js';
import { ThreadedLocalEngine, UpstreamPool, ComfyPool, type Engine } from './engines/index.js';
import { Runner, Sweeper } from './jobs/index.js';
import { ModelCatalog, VideoService } from './videos/index.js';
import { buildApp, Authenticator, Metrics, createKey, DEFAULT_PROJECT } from './http/index.js';
import { configureTools } from './media/index.js';
import { acquireLock } from './lock.js';
import { playgroundRoutes } from './web/index.js';
import { Deliverer, syncConfigEndpoints } from './webhooks/index.js';

export interface Server {
  app: FastifyInstance;
  url: string;
  store: Store;
  blobs: BlobStore;
  runner: Runner;
  sweeper: Sweeper;
  /** The default project's first key, when this start created it (shown once). */
  firstKey: string | null;
  close(graceMs?: number): Promise<void>;
}

export function makeLogger(cfg: Config): Logger {
  // Logs are written asynchronously in 8 KiB batches: a synchronous write per line costs a syscall
  // per request and stalls the whole server while a slow reader leaves the pipe full. pino flushes
  // on exit; past 16 MiB waiting for a reader that never comes, lines are dropped, not queued forever.
  const destination = pino.destination({ dest: 1, sync: false, minLength: 8 * 1024, maxLength: 16 * 1024 * 1024 });
  // A quiet server's last lines must not wait for 8 KiB of company. Best effort: once pino has
  // ended the stream at exit, there is nothing left to flush.
  setInterval(() => {
    try {
      destination.flush();
    } catch {
      // ending or ended: its own exit handler has flushed what there was
    }
  }, 250).unref();
  return pino(
    {
      level: cfg.logLevel,
      redact: { paths: ['req.headers.authorization', 'headers.authorization', '*.prompt', 'prompt'], censor: '[redacted]' },
    },
    destination,
  );
}

export async function startServer(cfg: Config, opts: { log?: Logger; createFirstKey?: boolean } = {}): Promise<Server> {
  const log = opts.log ?? makeLogger(cfg);
  mkdirSync(cfg.dataDir, { recursive: true });
  const releaseLock = acquireLock(cfg.dataDir);
  rmSync(join(cfg.dataDir, 'tmp'), { recursive: true, force: true });
  mkdirSync(join(cfg.dataDir, 'tmp'), { recursive: true });
  configureTools({ ffmpegPath: cfg.ffmpegPath, ffprobePath: cfg.ffprobePath });

  const store = openStore(cfg.dataDir);
  const blobs = await connectBlobs(cfg).catch(async (err) => { await store.close(); releaseLock(); throw err; });
  const upstreams = new UpstreamPool(cfg.upstreams, log);
  const comfy = new ComfyPool(cfg.comfyui, log);
  const catalog = new ModelCatalog([...upstreams.models(), ...comfy.models()]);
  const engines = new Map<string, Engine>([['local', new ThreadedLocalEngine(catalog, { fps: cfg.localFps })]]);
  for (const e of upstreams.engines) engines.set(e.id, e);
  if (comfy.engine) engines.set(comfy.engine.id, comfy.engine);
  const metrics = new Metrics(store);
  // Webhooks leave from their own loop, never from a request or a job.
  const deliverer = new Deliverer(store.webhooks, {
    allowPrivate: cfg.webhookAllowPrivate, timeoutMs: cfg.webhookTimeoutMs, retryBaseMs: cfg.webhookRetryBaseMs,
    maxAgeMs: cfg.webhookMaxAgeHours * 3600_000, maxInFlight: cfg.webhookMaxInFlight,
  }, log, { onAttempt: (outcome) => metrics.webhookDeliveries.inc({ outcome: outcome === 'retry' ? 'failed' : outcome }) });
  // The runner gives local jobs `concurrency` slots and each upstream its maxInFlight.
  const runner = new Runner(cfg, store, blobs, engines, log, {
    onFinished: (engine, outcome, seconds) => {
      metrics.renderSeconds.observe({ engine, outcome }, seconds);
      deliverer.wake(); // a finished job may have written webhook events
    },
  });
  const service = new VideoService(cfg, store, blobs, catalog, { queued: () => runner.wake(), deleted: (id) => {
    runner.cancel(id);
    void store.getVideoById(id).then((v) => upstreams.onDeleted(v)).catch((err) => log.warn({ err }, 'upstream cancel failed'));
    void store.getVideoById(id).then((v) => comfy.onDeleted(v)).catch((err) => log.warn({ err }, 'ComfyUI cancel failed'));
  } });
  const auth = new Authenticator(store, cfg.apiKey);
  await auth.init();

  let ready = true;
  // Roles: an api process serves /v1 and never renders; a worker runs jobs (and the sweeper) and
  // serves only health and metrics; `all` does both, as one process always did.
  const serveApi = cfg.role !== 'worker';
  const runJobs = cfg.role !== 'api';
  const app = await buildApp({ cfg, store, blobs, service, auth, metrics, log, isReady: () => ready, apiRoutes: serveApi, extraRoutes: serveApi ? playgroundRoutes : undefined });
  const sweeper = new Sweeper(store, blobs, cfg.sweepIntervalMs, log, cfg.idempotencyTtlHours * 3600_000);
  // Listen first: a start that cannot bind (port in use) must not claim jobs or keep the lock.
  let address: string;
  try {
    await syncConfigEndpoints(store, cfg.webhooks, cfg.webhookAllowPrivate, log);
    address = await app.listen({ host: cfg.host, port: cfg.port });
  } catch (err) {
    await app.close().catch(() => {});
    upstreams.close();
    comfy.close();
    await store.close();
    releaseLock();
    throw err;
  }
  // Only once listening: a key made by a start that then failed would never be shown.
  let firstKey: string | null = null;
  if (opts.createFirstKey) {
    const projectId = await store.ensureProject(DEFAULT_PROJECT);
    if ((await store.countActiveKeys(projectId)) === 0 && !cfg.apiKey) {
      firstKey = (await createKey(store, DEFAULT_PROJECT, 'first key')).secret;
    }
  }
  if (runJobs) {
    await runner.start();
    sweeper.start();
    deliverer.start(); // webhook deliveries are workers' work too
  }

  let closing: Promise<void> | null = null;
  return {
    app, url: address, store, blobs, runner, sweeper, firstKey,
    close(graceMs = 10_000) {
      closing ??= (async () => {
        ready = false;
        sweeper.stop();
        upstreams.close(); // upstream jobs let go of their slots at once and resume on the next start
        comfy.close(); // so do ComfyUI prompts: the servers keep working on them
        await runner.stop(graceMs);
        await deliverer.stop(); // attempts in flight are cut short and due again on the next start
        await Promise.all([...engines.values()].map((e) => e.close?.()));
        await app.close();
        await store.close();
        blobs.close?.();
        releaseLock();
      })();
      return closing;
    },
  };
}
