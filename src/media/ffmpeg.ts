// ffmpeg and ffprobe: finding them, running them, streaming frames in and out.
import { spawn, execFileSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createRequire } from 'node:module';
import { once } from 'node:events';

export interface Tools {
  ffmpeg: string;
  ffprobe: string;
}

let cached: Tools | null = null;

function onPath(name: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

function bundled(pkg: string): string | null {
  try {
    return (createRequire(import.meta.url)(pkg) as { path: string }).path;
  } catch {
    return null;
  }
}

/** $REELAY_FFMPEG / $REELAY_FFPROBE, else on PATH, else the binaries bundled from npm. */
export function tools(opts: { ffmpegPath?: string | null; ffprobePath?: string | null } = {}): Tools {
  if (cached && !opts.ffmpegPath && !opts.ffprobePath) return cached;
  const ffmpeg = opts.ffmpegPath || process.env.REELAY_FFMPEG || onPath('ffmpeg') || bundled('@ffmpeg-installer/ffmpeg');
  const ffprobe = opts.ffprobePath || process.env.REELAY_FFPROBE || onPath('ffprobe') || bundled('@ffprobe-installer/ffprobe');
  if (!ffmpeg || !ffprobe) throw new Error('ffmpeg/ffprobe not found: set REELAY_FFMPEG and REELAY_FFPROBE or run npm install');
  cached = { ffmpeg, ffprobe };
  return cached;
}

export function configureTools(opts: { ffmpegPath?: string | null; ffprobePath?: string | null }): Tools {
  cached = null;
  return tools(opts);
}

export class MediaError extends Error {}

/** Runs a tool to completion; rejects with its stderr tail on a non-zero exit. */
export function run(bin: string, args: string[], signal?: AbortSignal, input?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'], signal });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new MediaError(`${bin.split('/').pop()} exited with ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

export interface ProbeResult {
  width: number;
  height: number;
  duration: number;
  codec: string;
  pixFmt: string;
  frames: number | null;
  formatName: string;
}

export async function probe(path: string, signal?: AbortSignal): Promise<ProbeResult> {
  const out = await run(
    tools().ffprobe,
    ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '-select_streams', 'v:0', path],
    signal,
  );
  const j = JSON.parse(out.toString()) as { streams?: any[]; format?: any };
  const s = j.streams?.[0];
  if (!s) throw new MediaError('no video stream');
  return {
    width: s.width,
    height: s.height,
    duration: Number(j.format?.duration ?? s.duration ?? 0),
    codec: s.codec_name,
    pixFmt: s.pix_fmt,
    frames: s.nb_frames ? Number(s.nb_frames) : null,
    formatName: j.format?.format_name ?? '',
  };
}

/** The encoder settings every reelay MP4 shares, so segments can be concatenated without re-encoding. */
export const H264_ARGS = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p', '-movflags', '+faststart'];

/** The raw frames a FrameEncoder takes: RGBA, or I420 already converted (see i420.ts). */
export type RawPixelFormat = 'rgba' | 'yuv420p';

/** Takes raw frames on write() and produces an H.264 MP4 at `outPath`. */
export class FrameEncoder {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly done: Promise<void>;
  private stderr = '';

  constructor(
    outPath: string,
    width: number,
    height: number,
    fps: number,
    signal?: AbortSignal,
    outputArgs: string[] = [],
    pixelFormat: RawPixelFormat = 'rgba',
  ) {
    this.child = spawn(
      tools().ffmpeg,
      ['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', pixelFormat, '-s', `${width}x${height}`, '-r', String(fps), '-i', 'pipe:0',
        ...H264_ARGS, ...outputArgs, '-r', String(fps), outPath],
      { stdio: ['pipe', 'pipe', 'pipe'], signal },
    );
    this.child.stderr.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    this.child.stdin.on('error', () => {});
    this.done = new Promise((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('close', (code) => (code === 0 ? resolve() : reject(new MediaError(`ffmpeg encode failed (${code}): ${this.stderr.trim()}`))));
    });
    this.done.catch(() => {});
  }

  async write(frame: Buffer): Promise<void> {
    if (!this.child.stdin.write(frame)) {
      await Promise.race([once(this.child.stdin, 'drain'), this.done]);
    }
  }

  async end(): Promise<void> {
    this.child.stdin.end();
    await this.done;
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

/**
 * Decodes a video to raw RGBA frames scaled (cover, centred) to width x height at `fps`.
 * Frames arrive one at a time so memory stays at one frame.
 */
export async function* decodeFrames(path: string, width: number, height: number, fps: number, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const vf = `scale=${width}:${height}:force_original_aspect_ratio=increase,crop=${width}:${height},fps=${fps}`;
  const child = spawn(tools().ffmpeg, ['-v', 'error', '-i', path, '-vf', vf, '-f', 'rawvideo', '-pix_fmt', 'rgba', 'pipe:1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    signal,
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  child.on('error', () => {});
  const frameBytes = width * height * 4;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      while (pendingBytes >= frameBytes) {
        const all = Buffer.concat(pending, pendingBytes);
        yield all.subarray(0, frameBytes);
        const rest = all.subarray(frameBytes);
        pending = rest.length ? [Buffer.from(rest)] : [];
        pendingBytes = rest.length;
      }
    }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  const code = await closed;
  if (code !== 0 && code !== null) throw new MediaError(`ffmpeg decode failed (${code}): ${stderr.trim()}`);
}

/** One frame as PNG at `timeSec` (negative: from the end). */
export async function extractFramePng(path: string, timeSec: number, signal?: AbortSignal): Promise<Buffer> {
  const seek = timeSec < 0 ? ['-sseof', String(timeSec)] : ['-ss', String(timeSec)];
  return run(tools().ffmpeg, ['-v', 'error', ...seek, '-i', path, '-frames:v', '1', '-f', 'image2pipe', '-vcodec', 'png', 'pipe:1'], signal);
}

/** A grid of `cols x rows` evenly spaced frames, each `tileWidth` wide, as JPEG. */
export async function spritesheetJpeg(path: string, duration: number, cols: number, rows: number, tileWidth: number, signal?: AbortSignal): Promise<Buffer> {
  const n = cols * rows;
  const rate = n / Math.max(duration, 0.1);
  return run(
    tools().ffmpeg,
    ['-v', 'error', '-i', path, '-vf', `fps=${rate},scale=${tileWidth}:-2,tile=${cols}x${rows}`, '-frames:v', '1', '-q:v', '4', '-f', 'image2', '-vcodec', 'mjpeg', 'pipe:1'],
    signal,
  );
}

/** Joins MP4 segments that share H264_ARGS into one file without re-encoding. */
export async function concatSegments(paths: string[], outPath: string, listPath: string, signal?: AbortSignal): Promise<void> {
  const { writeFile } = await import('node:fs/promises');
  await writeFile(listPath, paths.map((p) => `file '${p.replace(/'/g, "'\\''")}'`).join('\n'));
  await run(tools().ffmpeg, ['-v', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', listPath, '-c', 'copy', '-movflags', '+faststart', outPath], signal);
}
