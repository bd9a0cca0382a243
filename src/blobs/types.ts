import type { Readable } from 'node:stream';

export interface BlobStat {
  bytes: number;
}

/** Where assets live. Keys are relative, slash-separated, made only by reelay (never from user input). */
export interface BlobStore {
  /** Writes atomically: readers see the whole blob or none. */
  put(key: string, data: Readable | Buffer): Promise<BlobStat>;
  /** Moves a finished local file in (cheap on the same disk; a remote store uploads it, then removes it). */
  putFile(key: string, path: string): Promise<BlobStat>;
  read(key: string, range?: { start: number; end: number }): Readable;
  stat(key: string): Promise<BlobStat | null>;
  /**
   * A local path for tools like ffmpeg. A remote store downloads a copy into `tmpDir`, which the
   * caller removes when done (a job's work dir); the disk store answers its own file.
   */
  localPath(key: string, tmpDir: string): Promise<string>;
  /** Removes everything under `prefix/`. */
  deletePrefix(prefix: string): Promise<void>;
  /** Downloads are answered with a redirect to presignedUrl rather than streamed through reelay. */
  readonly redirects?: boolean;
  /** A URL that GETs the blob straight from the store for `seconds`, served as `contentType`. */
  presignedUrl?(key: string, seconds: number, contentType?: string): Promise<string>;
  /** Lets go of connections. */
  close?(): void;
}
