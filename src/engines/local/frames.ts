// Where painted frames go: straight to the H.264 encoder, one frame in memory at a time. On the
// way it keeps the thumbnail frame and shrinks spritesheet tiles, so the runner need not decode
// the finished video again.
import { createCanvas, type Canvas } from '@napi-rs/canvas';
import { FrameEncoder, I420Converter, IDENTITY, gradeRgba, type ColorMatrix } from '../../media/index.js';
import { gradeRect } from './grade.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * canvas.data() hands out a new native buffer per frame that V8 does not count, so nothing
 * prompts a collection and the process would grow by a frame's size each frame. A young-generation
 * collection now and then frees them; it takes well under a millisecond.
 */
const collect: ((o?: { type?: 'major' | 'minor' }) => void) | null = (() => {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as (o?: { type?: 'major' | 'minor' }) => void;
  } catch {
    return null;
  }
})();

/** The runner's spritesheet shape: a 5x5 grid of tiles 160 px wide. */
const COLS = 5;
const ROWS = 5;
const TILE_W = 160;
/** Thumbnails are at most this wide. */
const THUMB_W = 640;

export interface SinkOptions {
  out: string;
  width: number;
  height: number;
  fps: number;
  frames: number;
  signal: AbortSignal;
  /** Extra ffmpeg output arguments (metadata). */
  outputArgs?: string[];
  /** Keep a thumbnail and spritesheet (false when the frames are only part of the final video). */
  previews: boolean;
}

export class FrameSink {
  private readonly encoder: FrameEncoder;
  private readonly thumbIndex: number;
  private readonly tileH: number;
  private readonly sheet: Canvas | null;
  /** The thumbnail frame, shrunk and graded as it passes (drawn on the canvas, not copied out). */
  private thumb: Canvas | null = null;
  private written = 0;
  private inFlight: Promise<void> = Promise.resolve();
  /** Frames go to ffmpeg as I420 when they can: ffmpeg skips its own slower conversion, and the pipe carries 1.5 bytes a pixel. */
  private readonly i420: I420Converter | null;
  private readonly slots: Buffer[];

  constructor(private readonly o: SinkOptions) {
    this.i420 = I420Converter.create(o.width, o.height);
    this.encoder = new FrameEncoder(o.out, o.width, o.height, o.fps, o.signal, o.outputArgs ?? [], this.i420 ? 'yuv420p' : 'rgba');
    const seconds = o.frames / o.fps;
    this.thumbIndex = Math.min(o.frames - 1, Math.round(Math.min(seconds / 2, 1) * o.fps));
    this.tileH = Math.max(2, Math.round((TILE_W * o.height) / o.width / 2) * 2);
    this.sheet = o.previews ? createCanvas(COLS * TILE_W, ROWS * this.tileH) : null;
    this.slots = this.i420 ? [] : [Buffer.allocUnsafeSlow(o.width * o.height * 4), Buffer.allocUnsafeSlow(o.width * o.height * 4)];
  }

  /** Tile k shows the frame at k/25 of the video, as ffmpeg's fps+tile filters would pick it. */
  private tileFor(index: number): number {
    for (let k = 0; k < COLS * ROWS; k++) if (Math.floor((k * this.o.frames) / (COLS * ROWS)) === index) return k;
    return -1;
  }

  /** Takes the canvas's frame; `grade` is applied on the way (to the video, thumbnail and tiles alike). */
  async push(canvas: Canvas, grade: ColorMatrix = IDENTITY): Promise<void> {
    const i = this.written++;
    const data = canvas.data();
    if (this.sheet) {
      const k = this.tileFor(i);
      if (k >= 0) this.tile(canvas, k, grade);
      if (i === this.thumbIndex) this.thumb = this.shrink(canvas, grade);
    }
    // One frame in flight: the next frame is painted while ffmpeg takes this one. Frames go out
    // through two buffers made once (the converter's, or RGBA slots), so canvas.data()'s own
    // buffer is dropped at once.
    let slot: Buffer;
    if (this.i420) slot = this.i420.convert(data, grade);
    else {
      slot = this.slots[i % 2];
      data.copy(slot);
      if (grade !== IDENTITY) gradeRgba(slot, grade);
    }
    await this.inFlight;
    this.inFlight = this.encoder.write(slot);
    // Marked handled now: it may reject (job cancelled) while we wait below; the next push or end() still sees it.
    this.inFlight.catch(() => {});
    // The buffer's native memory goes back when its finalizer runs, on the next turn.
    if (collect) {
      collect({ type: 'minor' });
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private tile(canvas: Canvas, k: number, grade: ColorMatrix) {
    const ctx = this.sheet!.getContext('2d');
    const x = (k % COLS) * TILE_W;
    const y = Math.floor(k / COLS) * this.tileH;
    ctx.drawImage(canvas, x, y, TILE_W, this.tileH);
    // A grade is per pixel and affine, so grading the shrunk tile equals shrinking the graded frame.
    gradeRect(ctx, x, y, TILE_W, this.tileH, grade);
  }

  private shrink(canvas: Canvas, grade: ColorMatrix): Canvas {
    const w = Math.min(THUMB_W, this.o.width);
    const h = Math.max(1, Math.round((w * this.o.height) / this.o.width));
    const thumb = createCanvas(w, h);
    const ctx = thumb.getContext('2d');
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(canvas, 0, 0, w, h);
    gradeRect(ctx, 0, 0, w, h, grade);
    return thumb;
  }

  get count(): number {
    return this.written;
  }

  async end(): Promise<void> {
    await this.inFlight;
    await this.encoder.end();
  }

  kill(): void {
    this.inFlight.catch(() => {});
    this.encoder.kill();
  }

  async previews(): Promise<{ thumbnail: Buffer; spritesheet: Buffer } | null> {
    if (!this.sheet || !this.thumb) return null;
    // Both encodes run on libuv's thread pool, side by side.
    const [thumbnail, spritesheet] = await Promise.all([this.thumb.encode('webp', 82), this.sheet.encode('jpeg', 80)]);
    return { thumbnail, spritesheet };
  }
}
