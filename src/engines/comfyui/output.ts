// What a workflow saved, as reelay's video: the output node's files (one video, an animated WebP or
// a sequence of frames), made into an H.264 MP4 at the requested size when they are anything else;
// and an extension's stitch onto its source.
import { open as openFile } from 'node:fs/promises';
import sharp from 'sharp';
import { FrameEncoder, H264_ARGS, probe, run, tools } from '../../media/index.js';
import type { HistoryEntry, OutputFile } from './client.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The files the output node saved: `images` (SaveVideo, SaveImage, SaveAnimatedWEBP), `gifs` (VHS_VideoCombine) or `videos`. */
export function outputFiles(entry: HistoryEntry, node: string): OutputFile[] {
  const o = entry.outputs[node];
  if (!isObject(o)) return [];
  for (const key of ['gifs', 'videos', 'video', 'images', 'animated_images']) {
    const list = o[key];
    if (!Array.isArray(list)) continue;
    const files = list
      .filter((f): f is Record<string, unknown> => isObject(f) && typeof f.filename === 'string')
      .map((f) => ({ filename: f.filename as string, subfolder: typeof f.subfolder === 'string' ? f.subfolder : '', type: typeof f.type === 'string' ? f.type : 'output' }));
    if (files.length) return files;
  }
  return [];
}

/** Scale to cover the target and crop the middle: the size asked for, without distortion. */
const cover = (w: number, h: number) => `scale=${w}:${h}:force_original_aspect_ratio=increase,crop=${w}:${h},setsar=1`;

async function isAnimatedWebp(path: string): Promise<boolean> {
  const fh = await openFile(path, 'r');
  try {
    const head = Buffer.alloc(12);
    await fh.read(head, 0, 12, 0);
    return head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP';
  } finally {
    await fh.close();
  }
}

export interface Target {
  width: number;
  height: number;
  /** The workflow's frame rate (frame sequences; an animated WebP without delays). */
  fps: number;
  signal: AbortSignal;
}

/**
 * One H.264 MP4 at the target size from the downloaded output: `paths` is one video file or the
 * frames in order. Returns `paths[0]` when it already is one, else writes `outPath`.
 */
export async function toMp4(paths: string[], outPath: string, t: Target): Promise<string> {
  const { ffmpeg } = tools();
  if (paths.length > 1) {
    // A sequence of frames: listed in order for ffmpeg's concat demuxer, each shown 1/fps.
    const { writeFile } = await import('node:fs/promises');
    const list = `${outPath}.frames.txt`;
    const d = 1 / t.fps;
    await writeFile(list, paths.map((p) => `file '${p.replace(/'/g, "'\\''")}'\nduration ${d}`).join('\n') + `\nfile '${paths[paths.length - 1].replace(/'/g, "'\\''")}'\n`);
    await run(ffmpeg, ['-v', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', list, '-vf', `${cover(t.width, t.height)},fps=${t.fps}`, ...H264_ARGS, '-r', String(t.fps), outPath], t.signal);
    return outPath;
  }
  const src = paths[0];
  if (await isAnimatedWebp(src)) {
    // ffmpeg cannot decode animated WebP; sharp can, one frame at a time.
    const meta = await sharp(src, { animated: true, limitInputPixels: false }).metadata();
    const pages = meta.pages ?? 1;
    const w = meta.width!;
    const h = meta.pageHeight ?? meta.height!;
    const delay = meta.delay?.[0];
    const fps = delay && delay > 0 ? Math.round((1000 / delay) * 100) / 100 : t.fps;
    const enc = new FrameEncoder(outPath, w, h, fps, t.signal, ['-vf', cover(t.width, t.height)]);
    try {
      for (let i = 0; i < pages; i++) {
        await enc.write(await sharp(src, { page: i, pages: 1, limitInputPixels: false }).ensureAlpha().raw().toBuffer());
      }
      await enc.end();
    } catch (err) {
      enc.kill();
      throw err;
    }
    return outPath;
  }
  const info = await probe(src, t.signal);
  if (info.codec === 'h264' && info.pixFmt === 'yuv420p' && info.width === t.width && info.height === t.height && /mp4|mov/.test(info.formatName)) return src;
  await run(ffmpeg, ['-v', 'error', '-y', '-i', src, '-map', '0:v:0', '-map', '0:a:0?', '-vf', cover(t.width, t.height), ...H264_ARGS, '-c:a', 'aac', outPath], t.signal);
  return outPath;
}

/** The video's very last frame as PNG (the tail is decoded, each frame overwriting the last). */
export async function lastFrame(path: string, outPath: string, signal: AbortSignal): Promise<void> {
  await run(tools().ffmpeg, ['-v', 'error', '-y', '-sseof', '-3', '-i', path, '-update', '1', '-f', 'image2', '-c:v', 'png', outPath], signal);
}

/** The source, then the continuation without its first frame (the source's last, which it started from). */
export async function stitch(sourcePath: string, extPath: string, outPath: string, t: Target): Promise<void> {
  const norm = `${cover(t.width, t.height)},fps=${t.fps},format=yuv420p`;
  await run(tools().ffmpeg, [
    '-v', 'error', '-y', '-i', sourcePath, '-i', extPath,
    '-filter_complex', `[0:v]${norm}[a];[1:v]${norm},trim=start_frame=1,setpts=PTS-STARTPTS[b];[a][b]concat=n=2:v=1:a=0[v]`,
    '-map', '[v]', ...H264_ARGS, outPath,
  ], t.signal);
}
