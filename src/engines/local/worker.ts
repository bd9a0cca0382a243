// A render thread: runs LocalEngine jobs sent by ThreadedLocalEngine, one at a time. The job's
// callbacks (progress, checkpoint, writeAsset) are calls back to the main thread, answered there.
import { parentPort, workerData } from 'node:worker_threads';
import { LocalEngine } from './index.js';
import { ModelCatalog } from '../../videos/models.js';
import { EngineError, type JobContext } from '../engine.js';
import { fromWire, toWire, type ToMain, type ToWorker, type RunMessage } from './thread-protocol.js';

const port = parentPort!;
const engine = new LocalEngine(new ModelCatalog(), { fps: (workerData as { fps: number }).fps });
const aborts = new Map<number, AbortController>();
const pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
let nextCall = 0;

const send = (m: ToMain) => port.postMessage(m);

function call(job: number, method: 'progress' | 'checkpoint' | 'writeAsset', args: unknown[]): Promise<void> {
  const callId = ++nextCall;
  return new Promise((resolve, reject) => {
    pending.set(callId, { resolve, reject });
    send({ type: 'call', job, callId, method, args });
  });
}

async function runJob(m: RunMessage) {
  const ac = new AbortController();
  aborts.set(m.job, ac);
  const ctx: JobContext = {
    video: m.video,
    inputs: m.inputs,
    state: m.state,
    workDir: m.workDir,
    signal: ac.signal,
    progress: (p) => call(m.job, 'progress', [p]),
    checkpoint: (s) => call(m.job, 'checkpoint', [s]),
    writeAsset: (variant, data) => {
      if (typeof data !== 'string' && !Buffer.isBuffer(data)) throw new Error('a render thread hands over files or buffers, not streams');
      return call(m.job, 'writeAsset', [variant, data]);
    },
  };
  try {
    await engine.run(ctx);
    send({ type: 'done', job: m.job });
  } catch (err) {
    send({ type: 'failed', job: m.job, error: toWire(err) });
  } finally {
    aborts.delete(m.job);
  }
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'run') void runJob(m);
  else if (m.type === 'abort') aborts.get(m.job)?.abort(new EngineError('cancelled', 'The job was stopped.'));
  else if (m.type === 'reply') {
    const p = pending.get(m.callId);
    pending.delete(m.callId);
    if (!p) return;
    if (m.error) p.reject(fromWire(m.error));
    else p.resolve();
  }
});
