// The built-in local engine: procedural frames painted on a canvas, streamed to ffmpeg.
// No model weights; deterministic for the same inputs and seed.
import { createCanvas, loadImage, ImageData, type Image, type SKRSContext2D } from '@napi-rs/canvas';
import { join } from 'node:path';
import { EngineError, type Engine, type JobContext } from '../engine.js';
import { FrameEncoder, decodeFrames, lastFramePng, concatSegments, probe } from '../../media/index.js';
import type { ModelCatalog } from '../../videos/models.js';
import { parseScene, type Scene } from './scene.js';
import { makeLayout, paintFrame } from './painter.js';
import { simulatedOutcome } from './simulate.js';

export interface LocalEngineOptions {
  fps: number;
}

export class LocalEngine implements Engine {
  readonly id = 'local';

  constructor(
    private readonly catalog: ModelCatalog,
    private readonly opts: LocalEngineOptions,
  ) {}

  describe(model: string) {
    const m = this.catalog.get(model);
    return m && m.engine === this.id ? m.capabilities : null;
  }

  async run(job: JobContext): Promise<void> {
    const v = job.video;
    await simulatedOutcome(v.prompt ?? '', job.signal);
    const [width, height] = v.size.split('x').map(Number);
    const out = join(job.workDir, 'video.mp4');
    const scene = parseScene(v.prompt ?? '');
    const characters = await Promise.all(job.inputs.characters.map(async (c) => ({ name: c.name, image: await loadImage(c.framePath) })));

    if (v.kind === 'edit') {
      const source = job.inputs.sourceVideoPath;
      if (!source) throw new EngineError('engine_error', 'The source video is no longer available.');
      await this.transform(job, source, scene, width, height, Number(v.seconds), out, (p) => job.progress(p));
    } else if (v.kind === 'extension') {
      await this.extend(job, scene, width, height, out, characters);
    } else {
      const background = job.inputs.referencePath ? await loadImage(job.inputs.referencePath) : null;
      await this.render(job, scene, width, height, Number(v.seconds), background, characters, out, (p) => job.progress(p));
    }
    await job.writeAsset('video', out);
  }

  /** Paints `seconds` of the scene into an MP4, one frame in memory at a time. */
  private async render(
    job: JobContext,
    scene: Scene,
    width: number,
    height: number,
    seconds: number,
    background: Image | null,
    characters: { name: string; image: Image }[],
    out: string,
    onProgress: (p: number) => Promise<void>,
  ): Promise<void> {
    const fps = this.opts.fps;
    const frames = Math.round(seconds * fps);
    const canvas = createCanvas(width, height);
    const ctx = canvas.getContext('2d');
    const layout = makeLayout(scene, job.video.params.seed, seconds);
    const encoder = new FrameEncoder(out, width, height, fps, job.signal);
    await this.pump(job, encoder, frames, (i) => {
      paintFrame(ctx, scene, layout, { t: i / fps, seconds, width, height, background, characters });
      return canvas.data();
    }, onProgress);
  }

  /** Re-grades the source's real frames: the edit prompt's time of day, weather and style on top. */
  private async transform(
    job: JobContext,
    source: string,
    scene: Scene,
    width: number,
    height: number,
    seconds: number,
    out: string,
    onProgress: (p: number) => Promise<void>,
  ): Promise<void> {
    const fps = this.opts.fps;
    const frames = Math.round(seconds * fps);
    const canvas = createCanvas(width, height);
    const ctx = canvas.getContext('2d');
    const layout = makeLayout({ ...scene, subjects: [] }, job.video.params.seed, seconds);
    const encoder = new FrameEncoder(out, width, height, fps, job.signal);
    const input = decodeFrames(source, width, height, fps, job.signal)[Symbol.asyncIterator]();
    let last: Buffer | null = null;
    const pull = async () => {
      const next = await input.next();
      if (!next.done) last = Buffer.from(next.value);
      return last;
    };
    try {
      await this.pumpAsync(job, encoder, frames, async (i) => {
        const rgba = await pull();
        if (rgba) ctx.putImageData(new ImageData(new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.length), width, height), 0, 0);
        grade(ctx, scene, width, height);
        paintFrame(ctx, { ...scene, subjects: [] }, layout, { t: i / fps, seconds, width, height, background: null, characters: [] }, true);
        return canvas.data();
      }, onProgress);
    } finally {
      await input.return?.(undefined);
    }
  }

  /** Renders the new segment from the source's last frame, then joins both into one file. */
  private async extend(job: JobContext, scene: Scene, width: number, height: number, out: string, characters: { name: string; image: Image }[]) {
    const source = job.inputs.sourceVideoPath;
    if (!source) throw new EngineError('engine_error', 'The source video is no longer available.');
    const info = await probe(source, job.signal);
    let head = source;
    if (info.width !== width || info.height !== height || info.codec !== 'h264') {
      head = join(job.workDir, 'source.mp4');
      await this.transform(job, source, { ...scene, weather: 'clear', style: 'none', time: 'day' }, width, height, info.duration, head, async () => {});
    }
    const sourceSeconds = Math.round(info.duration * this.opts.fps) / this.opts.fps;
    const addSeconds = Math.max(1 / this.opts.fps, Number(job.video.seconds) - sourceSeconds);
    const lastFrame = await loadImage(await lastFramePng(head, job.signal));
    const segment = join(job.workDir, 'segment.mp4');
    await this.render(job, scene, width, height, addSeconds, lastFrame, characters, segment, (p) => job.progress(p * 0.95));
    await concatSegments([head, segment], out, join(job.workDir, 'concat.txt'), job.signal);
  }

  private async pump(job: JobContext, encoder: FrameEncoder, frames: number, frame: (i: number) => Buffer, onProgress: (p: number) => Promise<void>) {
    return this.pumpAsync(job, encoder, frames, async (i) => frame(i), onProgress);
  }

  private async pumpAsync(
    job: JobContext,
    encoder: FrameEncoder,
    frames: number,
    frame: (i: number) => Promise<Buffer>,
    onProgress: (p: number) => Promise<void>,
  ) {
    let reported = -1;
    try {
      for (let i = 0; i < frames; i++) {
        if (job.signal.aborted) throw new EngineError('cancelled', 'The job was cancelled.');
        await encoder.write(await frame(i));
        const pct = Math.floor(((i + 1) / frames) * 95);
        if (pct >= reported + 5) {
          reported = pct;
          await onProgress(pct);
        }
      }
      await encoder.end();
    } catch (err) {
      encoder.kill();
      throw err;
    }
  }
}

/** Colour grade an existing frame towards the prompt's time of day. */
function grade(ctx: SKRSContext2D, scene: Scene, width: number, height: number) {
  const tint: Partial<Record<Scene['time'], string>> = {
    night: 'rgba(20,30,90,0.55)',
    dusk: 'rgba(70,50,120,0.35)',
    sunset: 'rgba(255,120,40,0.3)',
    dawn: 'rgba(255,170,120,0.25)',
  };
  const c = tint[scene.time];
  if (c) {
    ctx.globalCompositeOperation = 'multiply';
    ctx.fillStyle = c;
    ctx.fillRect(0, 0, width, height);
    ctx.globalCompositeOperation = 'source-over';
  }
  if (scene.time === 'night') {
    ctx.fillStyle = 'rgba(0,0,0,0.35)';
    ctx.fillRect(0, 0, width, height);
  }
}
