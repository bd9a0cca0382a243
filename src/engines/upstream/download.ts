// One HTTP download body streamed to a file, as both relays (upstream servers, ComfyUI) take their
// outputs: capped in size (by Content-Length up front and by the bytes as they come), cut when
// nothing arrives for a while, checked against Content-Length at the end, never held in memory.
import type { IncomingMessage } from 'node:http';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';

export class DownloadError extends Error {
  constructor(
    message: string,
    /** Worth trying again (cut, stalled, not there yet); false for a file that is wrong for good. */
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export interface ReceiveLimits {
  maxBytes: number;
  idleTimeoutMs: number;
  /** What is being downloaded, for messages ("the upstream's video", "the output x.webm"). */
  what: string;
}

/** Writes the body of a 200 answer to `dest`; returns its length. On failure `dest` is removed. */
export async function receiveToFile(res: IncomingMessage, dest: string, limits: ReceiveLimits): Promise<number> {
  const { maxBytes, idleTimeoutMs, what } = limits;
  const expected = res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : null;
  if (expected !== null && expected > maxBytes) {
    res.destroy();
    throw new DownloadError(`${what} is ${expected} bytes; the limit is ${maxBytes}`, false);
  }
  let bytes = 0;
  const out = createWriteStream(dest);
  try {
    await new Promise<void>((resolve, reject) => {
      let idle: NodeJS.Timeout;
      const fail = (e: DownloadError) => {
        clearTimeout(idle);
        res.destroy();
        reject(e);
      };
      const arm = () => {
        clearTimeout(idle);
        idle = setTimeout(() => fail(new DownloadError(`download stalled: nothing received for ${idleTimeoutMs} ms`, true)), idleTimeoutMs);
      };
      arm();
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > maxBytes) return fail(new DownloadError(`${what} exceeds ${maxBytes} bytes`, false));
        arm();
        if (!out.write(chunk)) {
          res.pause();
          out.once('drain', () => res.resume());
        }
      });
      res.on('aborted', () => fail(new DownloadError('download cut by the server', true)));
      res.on('error', (e) => fail(new DownloadError(`download cut: ${e.message}`, true)));
      res.on('end', () => {
        clearTimeout(idle);
        if (expected !== null && bytes !== expected) return reject(new DownloadError(`download cut: got ${bytes} of ${expected} bytes`, true));
        out.end((e?: Error | null) => (e ? reject(new DownloadError(`could not write: ${e.message}`, false)) : resolve()));
      });
    });
  } catch (err) {
    out.destroy();
    await rm(dest, { force: true });
    throw err;
  }
  if (bytes === 0) throw new DownloadError(`${what} is empty`, true);
  return bytes;
}
