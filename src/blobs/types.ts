import type { Readable } from 'node:stream';

export interface BlobStat {
  bytes: number;
}

/** Where assets live. Keys are relative, slash-separated, made only by reelay (never from user input). */
export interface BlobStore {
  /** Writes atomically: readers see the whole blob or none. */
  put(key: string, data: Readable | Buffer): Promise<BlobStat>;
  /** Moves a finished local file in (cheap on the same disk). */
  putFile(key: string, path: string): Promise<BlobStat>;
  read(key: string, range?: { start: number; end: number }): Readable;
  stat(key: string): Promise<BlobStat | null>;
  /** A local path for tools like ffmpeg; for remote stores a temp copy. */
  localPath(key: string): Promise<string>;
  deletePrefix(prefix: string): Promise<void>;
}
