// Messages between ThreadedLocalEngine (main thread) and its render threads (worker.ts).
import { EngineError, type JobInputs } from '../engine.js';
import type { VideoRecord } from '../../store/index.js';

/** An error as it crosses threads: an EngineError keeps its code and retryability. */
export interface WireError {
  message: string;
  code?: string;
  retryable?: boolean;
  name?: string;
  stack?: string;
}

export function toWire(err: unknown): WireError {
  if (err instanceof EngineError) return { message: err.message, code: err.code, retryable: err.retryable };
  const e = err instanceof Error ? err : new Error(String(err));
  return { message: e.message, name: e.name, stack: e.stack };
}

export function fromWire(e: WireError): Error {
  if (e.code) return new EngineError(e.code, e.message, e.retryable);
  const err = new Error(e.message);
  if (e.name) err.name = e.name;
  if (e.stack) err.stack = e.stack;
  return err;
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
