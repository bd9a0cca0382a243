// The local engine as the server runs it: each job is painted and encoded on a render thread, so
// the API's event loop never waits for a frame. It also keeps the render's allocation patterns
// out of the main isolate: after a render in-thread, V8 served every later request on slower
// paths (measured: about 30 vs 26 µs of CPU per cached GET).
import { Worker } from 'node:worker_threads';
import { EngineError, type Engine, type JobContext } from '../engine.js';
import type { ModelCatalog } from '../../videos/models.js';
import type { Variant } from '../../store/index.js';
import type { LocalEngineOptions } from './index.js';
import { fromWire, toWire, type ToMain, type ToWorker } from './thread-protocol.js';

/** An idle render thread is ended after this long, giving its memory back. */
const IDLE_MS = 60_000;
/**
 * A render allocates a frame's worth of short-lived memory per frame and collects it at once; a
 * small young generation keeps that in a few warm pages. Measured on an 8 s 1792x1024 busy clip
 * against V8's default: about 25% less CPU in the thread and 15 MB less peak RSS.
 */
const YOUNG_GENERATION_MB = 4;

export class ThreadedLocalEngine implements Engine {
  readonly id = 'local';
  private readonly idle: { worker: Worker; timer: NodeJS.Timeout }[] = [];
  private readonly workers = new Set<Worker>();
  private nextJob = 0;

  constructor(
    private readonly catalog: ModelCatalog,
    private readonly opts: LocalEngineOptions,
  ) {}

  describe(model: string) {
    return this.catalog.capabilitiesFor(this.id, model);
  }

  async run(job: JobContext): Promise<void> {
    const worker = this.take();
    try {
      await this.runOn(worker, ++this.nextJob, job);
    } finally {
      // An engine's own failure leaves the thread fit for the next job; a thread that died does not.
      if (this.workers.has(worker)) this.giveBack(worker);
      else void worker.terminate().catch(() => {});
    }
  }

  async close(): Promise<void> {
    for (const { timer } of this.idle.splice(0)) clearTimeout(timer);
    await Promise.all([...this.workers].map((w) => this.end(w)));
  }

  private take(): Worker {
    const slot = this.idle.pop();
    if (slot) {
      clearTimeout(slot.timer);
      slot.worker.ref();
      return slot.worker;
    }
    const worker = new Worker(new URL('./worker-boot.cjs', import.meta.url), {
      workerData: { fps: this.opts.fps },
      execArgv: [],
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    this.workers.add(worker);
    worker.on('exit', () => this.workers.delete(worker));
    return worker;
  }

  private giveBack(worker: Worker) {
    worker.unref();
    const timer = setTimeout(() => {
      const i = this.idle.findIndex((s) => s.worker === worker);
      if (i >= 0) this.idle.splice(i, 1);
      void this.end(worker);
    }, IDLE_MS).unref();
    this.idle.push({ worker, timer });
  }

  private async end(worker: Worker) {
    this.workers.delete(worker);
    await worker.terminate().catch(() => {});
  }

  private runOn(worker: Worker, id: number, job: JobContext): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const post = (m: ToWorker) => worker.postMessage(m);
      const onAbort = () => post({ type: 'abort', job: id });
      const onMessage = (m: ToMain) => {
        if (m.job !== id) return;
        if (m.type === 'call') {
          void answer(m.method, m.args).then(
            () => post({ type: 'reply', callId: m.callId }),
            (err: unknown) => post({ type: 'reply', callId: m.callId, error: toWire(err) }),
          );
        } else if (m.type === 'done') finish();
        else finish(fromWire(m.error));
      };
      const onError = (err: Error) => {
        this.workers.delete(worker);
        finish(err);
      };
      const onExit = (code: number) => {
        this.workers.delete(worker);
        finish(new EngineError('engine_error', `The render thread stopped (exit code ${code}).`, true));
      };
      const finish = (err?: Error) => {
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        job.signal.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const answer = async (method: 'progress' | 'checkpoint' | 'writeAsset', args: unknown[]) => {
        if (method === 'progress') return job.progress(args[0] as number);
        if (method === 'checkpoint') return job.checkpoint(args[0]);
        // Buffers arrive as plain Uint8Arrays.
        const data = args[1] instanceof Uint8Array && !Buffer.isBuffer(args[1]) ? Buffer.from(args[1].buffer, args[1].byteOffset, args[1].byteLength) : (args[1] as Buffer | string);
        return job.writeAsset(args[0] as Variant, data);
      };
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      job.signal.addEventListener('abort', onAbort, { once: true });
      post({ type: 'run', job: id, video: job.video, inputs: job.inputs, state: job.state, workDir: job.workDir });
      if (job.signal.aborted) onAbort();
    });
  }
}
