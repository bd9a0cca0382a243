// The engine seam: the runner hands a job to an engine; the engine writes assets.
import type { Readable } from 'node:stream';
import type { ModelCapabilities } from '../videos/models.js';
import type { Variant, VideoRecord } from '../store/index.js';

export interface JobInputs {
  /** Fitted reference image, PNG at exactly the video's size. */
  referencePath: string | null;
  /** The source video's MP4 (remix, edit by id, extension) or the uploaded file (edit by upload). */
  sourceVideoPath: string | null;
  /** The source video's record when the source is a reelay video. */
  source: VideoRecord | null;
  /** Characters named by the video: name and a PNG key frame. */
  /** Named characters: a key frame each, and the clip they were made from (relayed to upstreams). */
  characters: { id: string; name: string; framePath: string; clipPath: string }[];
}

export interface JobContext {
  readonly video: VideoRecord;
  readonly inputs: JobInputs;
  /** This engine's checkpoint from an earlier attempt, or null. */
  readonly state: unknown;
  /** A private scratch directory, removed after the attempt. */
  readonly workDir: string;
  checkpoint(state: unknown): Promise<void>;
  progress(percent: number): Promise<void>;
  writeAsset(variant: Variant, data: Readable | Buffer | string): Promise<void>;
  readonly signal: AbortSignal;
}

export interface Engine {
  readonly id: string;
  describe(model: string): ModelCapabilities | null;
  run(job: JobContext): Promise<void>;
  /** Jobs of this engine the runner runs at once (default: the upstream's maxInFlight, else `concurrency`). */
  readonly slots?: number;
  /** Lets go of what the engine holds (threads, connections) when the server stops. */
  close?(): Promise<void>;
}

/** What an engine throws; `retryable` errors are tried again with backoff. */
export class EngineError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable = false,
  ) {
    super(message);
  }
}
