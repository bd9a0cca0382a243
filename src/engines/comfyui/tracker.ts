// Following prompts on one ComfyUI server until they finish: progress and completion from the shared
// WebSocket, with /queue + /history polling for whatever the socket does not cover (it is down, it
// missed events while reconnecting, or the prompt was submitted by an earlier reelay process).
import type { Logger } from 'pino';
import { EngineError } from '../engine.js';
import type { ComfyClient, HistoryEntry } from './client.js';
import type { ProgressModel } from './graph.js';
import { ComfySocket } from './ws.js';

/** The server no longer has the prompt (neither queued nor in its history): it was restarted, or cleared. */
export class LostPrompt extends Error {}

export interface TrackOptions {
  deadline: number;
  signal: AbortSignal;
  /** Submitted with this process's client id, so its events come to our socket. */
  covered: boolean;
  progress: ProgressModel;
  onProgress(percent: number): void;
}

interface Entry extends TrackOptions {
  promptId: string;
  done: boolean;
  missing: number;
  lastPoll: number;
  finishing: boolean;
  onAbort: () => void;
  resolve(h: HistoryEntry): void;
  reject(err: unknown): void;
}

/** With the socket up, covered prompts are still looked at this often, in case an event was lost. */
const SAFETY_POLL_MS = 30_000;
/** Consecutive looks finding a prompt nowhere before it counts as lost. */
const LOST_AFTER = 2;
/** ComfyUI says a prompt is done just before it writes the history entry: look a few times. */
const HISTORY_WAITS_MS = [0, 25, 50, 100, 200, 400, 800, 1600];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The video fails with ComfyUI's own words; an out-of-memory says so. */
export function executionError(server: string, data: Record<string, unknown>): EngineError {
  const node = data.node_id !== undefined ? ` in node ${String(data.node_id)}${data.node_type ? ` (${String(data.node_type)})` : ''}` : '';
  const type = typeof data.exception_type === 'string' ? data.exception_type : '';
  const message = typeof data.exception_message === 'string' ? data.exception_message.trim().replace(/\.+$/, '') : 'unknown error';
  if (/OutOfMemory|out of memory|\bOOM\b|allocation on device/i.test(`${type} ${message}`)) {
    return new EngineError('engine_error', `The ComfyUI server '${server}' ran out of GPU memory${node}: ${message}. Try a smaller size or fewer seconds.`);
  }
  return new EngineError('engine_error', `ComfyUI ('${server}') failed${node}: ${type ? `${type}: ` : ''}${message}`);
}

export class PromptTracker {
  private readonly entries = new Map<string, Entry>();
  readonly socket: ComfySocket | null;
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  private stopped = false;
  /** Requests made by polling (for tests and the bench). */
  polls = 0;

  constructor(
    readonly client: ComfyClient,
    private readonly log: Logger,
  ) {
    this.socket = client.cfg.websocket
      ? new ComfySocket(client.wsUrl(), client.authHeaders, {
          open: () => {
            client.up = true;
            // Events may have been missed while the socket was down: look at every prompt now.
            for (const e of this.entries.values()) e.lastPoll = 0;
            this.kick();
          },
          close: () => {
            client.up = false; // until a request or the socket gets through again
            this.arm();
          },
          message: (type, data) => this.onMessage(type, data),
        }, log, client.id)
      : null;
    this.socket?.start();
  }

  get size(): number {
    return this.entries.size;
  }

  track(promptId: string, opts: TrackOptions): Promise<HistoryEntry> {
    return new Promise((resolve, reject) => {
      if (opts.signal.aborted) return reject(opts.signal.reason);
      if (this.stopped) return reject(new EngineError('shutdown', 'The server is shutting down.'));
      const e: Entry = {
        ...opts, promptId, done: false, missing: 0, lastPoll: Date.now(), finishing: false, resolve, reject,
        onAbort: () => this.settle(e, () => reject(opts.signal.reason)),
      };
      opts.signal.addEventListener('abort', e.onAbort, { once: true });
      this.entries.set(promptId, e);
      // Not covered by the socket (resumed, or the socket is down): look at once.
      if (!this.watched(e)) e.lastPoll = 0;
      this.arm();
      if (!this.watched(e)) this.kick();
    });
  }

  /** The server is stopping: every prompt lets go at once (ComfyUI keeps working; the next start resumes them). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.socket?.close();
    for (const e of [...this.entries.values()]) this.settle(e, () => e.reject(new EngineError('shutdown', 'The server is shutting down.')));
  }

  private watched(e: Entry): boolean {
    return e.covered && !!this.socket?.connected;
  }

  private settle(e: Entry, fn: () => void) {
    if (e.done) return;
    e.done = true;
    e.signal.removeEventListener('abort', e.onAbort);
    this.entries.delete(e.promptId);
    fn();
  }

  private onMessage(type: string, data: Record<string, unknown>) {
    if (type === 'status') {
      const info = isObject(data.status) && isObject(data.status.exec_info) ? data.status.exec_info : null;
      if (info && typeof info.queue_remaining === 'number') this.client.queueRemaining = info.queue_remaining;
      return;
    }
    const e = typeof data.prompt_id === 'string' ? this.entries.get(data.prompt_id) : undefined;
    if (!e || e.done) return;
    e.missing = 0;
    switch (type) {
      case 'execution_start':
        return e.onProgress(e.progress.started());
      case 'executing':
        if (data.node === null || data.node === undefined) return void this.finish(e);
        return e.onProgress(e.progress.executing(String(data.node)));
      case 'progress':
        return e.onProgress(e.progress.step(String(data.node ?? ''), Number(data.value), Number(data.max)));
      case 'execution_success':
        return void this.finish(e);
      case 'execution_error':
        return this.settle(e, () => e.reject(executionError(this.client.id, data)));
      case 'execution_interrupted':
        return this.settle(e, () => e.reject(new EngineError('engine_error', `The prompt was interrupted on the ComfyUI server '${this.client.id}'${data.node_id ? ` in node ${String(data.node_id)}` : ''}.`)));
    }
  }

  /** Done per the socket: read the history entry (written just after), else leave it to polling. */
  private async finish(e: Entry) {
    if (e.finishing) return;
    e.finishing = true;
    for (const wait of HISTORY_WAITS_MS) {
      if (wait) await sleep(wait);
      if (e.done) return;
      try {
        const h = await this.client.history(e.promptId);
        if (h && this.conclude(e, h)) return;
      } catch {
        break;
      }
    }
    e.finishing = false;
    e.lastPoll = 0;
    this.kick();
  }

  /** Settles from a history entry when it is final; false when it is not (yet). */
  private conclude(e: Entry, h: HistoryEntry): boolean {
    const s = h.status;
    if (s?.status_str === 'error') {
      const msg = s.messages?.find((m) => m[0] === 'execution_error')?.[1];
      const interrupted = s.messages?.some((m) => m[0] === 'execution_interrupted');
      this.settle(e, () =>
        e.reject(
          msg ? executionError(this.client.id, msg)
            : new EngineError('engine_error', interrupted ? `The prompt was interrupted on the ComfyUI server '${this.client.id}'.` : `ComfyUI ('${this.client.id}') reported an error without a message.`),
        ),
      );
      return true;
    }
    if (s && s.completed === false && s.status_str !== 'success') return false;
    this.settle(e, () => e.resolve(h));
    return true;
  }

  private kick() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    void this.tick();
  }

  private arm() {
    if (this.stopped || this.timer || !this.entries.size) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.tick();
    }, this.client.cfg.pollIntervalMs * (0.85 + Math.random() * 0.15));
  }

  /** One round: deadlines, then /queue once and /history for each due prompt the queue does not have. */
  private async tick() {
    if (this.polling || this.stopped) return this.arm();
    this.polling = true;
    try {
      const now = Date.now();
      const due: Entry[] = [];
      for (const e of this.entries.values()) {
        if (now >= e.deadline) {
          const minutes = Math.round((this.client.cfg.jobTimeoutMs / 60_000) * 10) / 10;
          this.settle(e, () => e.reject(new EngineError('timeout', `The ComfyUI server '${this.client.id}' did not finish the video within ${minutes} minutes.`)));
          continue;
        }
        if (e.finishing) continue;
        const every = this.watched(e) ? SAFETY_POLL_MS : this.client.cfg.pollIntervalMs * 0.8;
        if (now - e.lastPoll >= every) due.push(e);
      }
      if (!due.length) return;
      let queue: { running: string[]; pending: string[] };
      try {
        this.polls++;
        queue = await this.client.queue();
      } catch {
        return; // unreachable: try again next round (deadlines still apply)
      }
      const queued = new Set([...queue.running, ...queue.pending]);
      for (const e of due) {
        if (e.done) continue;
        e.lastPoll = Date.now();
        if (queued.has(e.promptId)) {
          e.missing = 0;
          if (queue.running.includes(e.promptId)) e.onProgress(e.progress.started());
          continue;
        }
        let h: HistoryEntry | null;
        try {
          this.polls++;
          h = await this.client.history(e.promptId);
        } catch {
          continue;
        }
        if (e.done) continue;
        if (h) {
          if (!this.conclude(e, h)) e.missing = 0;
          continue;
        }
        if (++e.missing >= LOST_AFTER) {
          this.settle(e, () => e.reject(new LostPrompt(`The ComfyUI server '${this.client.id}' no longer has the prompt ${e.promptId} (neither queued nor in its history).`)));
        } else e.lastPoll = 0; // look again soon
      }
    } catch (err) {
      this.log.error({ err, comfyui: this.client.id }, 'ComfyUI poll failed');
    } finally {
      this.polling = false;
      this.arm();
    }
  }
}
