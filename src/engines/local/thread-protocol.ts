// Messages between ThreadedLocalEngine (main thread) and its render threads (worker.ts).
import type { JobInputs } from '../engine.js';
import type { VideoRecord } from '../../store/index.js';

/** An error as it crosses threads: an EngineError keeps its code and retryability. */
export interface WireError {
  message: string;
  code?: string;
  retryable?: boolean;
  name?: string;
  stack?: string;
}

export interface RunMessage {
  type: 'run';
  job: number;
  video: VideoRecord;
  inputs: JobInputs;
  state: unknown;
  workDir: string;
}

export type ToWorker =
  | RunMessage
  | { type: 'abort'; job: number }
  | { type: 'reply'; callId: number; error?: WireError };

export type ToMain =
  | { type: 'call'; job: number; callId: number; method: 'progress' | 'checkpoint' | 'writeAsset'; args: unknown[] }
  | { type: 'done'; job: number }
  | { type: 'failed'; job: number; error: WireError };
