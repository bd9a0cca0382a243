// Paints one frame of a scene at time t. All randomness lives in the layout (made once per job
// from the seed), so the same inputs give the same frames. Drawing order: backdrop (or a still
// image in two parallax layers), subjects, characters, weather, style.
import { createCanvas, type Canvas, type Image, type SKRSContext2D } from '@napi-rs/canvas';
import type { Layout, Actor } from './layout.js';
import type { Scene } from './scene.js';
import { hash32 } from './scene.js';
import { Backdrop, WATERLINE, groundLine, setView } from './backdrop.js';
import { cameraAt, imageCameraAt } from './camera.js';
import { Effects, gradeTime } from './effects.js';
import { KINDS, type Paint } from './subjects.js';
import { Light } from './color.js';
import { IDENTITY, type ColorMatrix } from '../../media/index.js';

export interface Character {
  name: string;
  image: Image | Canvas;
}

export interface PainterOptions {
  /** A still shown as frame 0 (reference image, or the last frame of a clip being extended). */
  image?: Image | Canvas | null;
  characters?: Character[];
  /** Tint the still toward this time of day as the prompt's layers come in ("at night"). */
  grade?: Scene['time'] | null;
}

const smooth = (x: number) => (x <= 0 ? 0 : x >= 1 ? 1 : x * x * (3 - 2 * x));

export class Painter {
  private readonly backdrop: Backdrop;
  readonly effects: Effects;
  private readonly light: Light;
  private readonly actors: Actor[];
  private readonly front: Canvas | null = null;
  private readonly cutouts: Canvas[];
  /** The colour grade of the frame painted last, for the frame's conversion to I420 (grade.ts). */
  grade: ColorMatrix = IDENTITY;

  constructor(
    private readonly ctx: SKRSContext2D,
    readonly scene: Scene,
    readonly layout: Layout,
    private readonly W: number,
    private readonly H: number,
    private readonly opts: PainterOptions = {},
  ) {
    this.backdrop = new Backdrop(ctx, scene, layout, W, H);
    this.effects = new Effects(scene, layout, W, H);
    this.light = new Light(scene, 0.5);
    // Far things first; within the ground band, farther (smaller) walkers first.
    const order = (a: Actor) => (KINDS[a.kind].zone === 'fixed' ? 0 : KINDS[a.kind].zone === 'ground' ? 1 + a.depth : 3);
    this.actors = layout.actors.filter((a) => !['celestial', 'backdrop'].includes(KINDS[a.kind].zone)).sort((a, b) => order(a) - order(b));
    if (opts.image) {
      // The foreground layer is the image's lower part, faded in from the middle: it moves
      // faster than the whole image behind it, which reads as depth.
      this.front = createCanvas(W, H);
      const f = this.front.getContext('2d');
      f.drawImage(opts.image, 0, 0, W, H);
      f.globalCompositeOperation = 'destination-in';
      const g = f.createLinearGradient(0, H * 0.35, 0, H * 0.7);
      g.addColorStop(0, 'rgba(0,0,0,0)');
      g.addColorStop(1, 'rgba(0,0,0,1)');
      f.fillStyle = g;
      f.fillRect(0, 0, W, H);
    }
    this.cutouts = (opts.characters ?? []).map((c) => cutout(c.image, Math.round(Math.min(W, H) * 0.34)));
  }

  /** The full frame at real time `t` seconds from the start of the scene. */
  paint(t: number): void {
    const { ctx, W, H, scene } = this;
    const tm = t * scene.speed;
    resetState(ctx);
    let amount = 1;
    if (this.opts.image) {
      for (const layer of ['back', 'front'] as const) {
        setView(ctx, imageCameraAt(scene.camera, t, W, layer), W, H);
        ctx.drawImage(layer === 'back' ? this.opts.image : this.front!, 0, 0, W, H);
      }
      // Frame 0 is the image itself; what the prompt adds fades in over the first second.
      amount = smooth(t / 1);
      if (this.opts.grade) gradeTime(ctx, this.opts.grade, W, H, amount);
    } else {
      this.backdrop.paint(tm, t);
    }
    this.overlay(t, amount);
  }

  /** Subjects, characters, weather and style over whatever is on the canvas. */
  overlay(t: number, amount = 1): void {
    const { ctx, scene } = this;
    const tm = t * scene.speed;
    resetState(ctx);
    if (amount > 0) {
      ctx.globalAlpha = amount;
      this.subjects(tm, t);
      this.characters(t);
      ctx.globalAlpha = 1;
    }
    this.effects.weather(ctx, tm, t, amount);
    this.effects.style(ctx, t, amount);
    this.grade = this.effects.grade(amount);
  }

  private subjects(tm: number, tc: number) {
    const { ctx, W, H, scene } = this;
    const m = Math.min(W, H);
    const ground = groundLine(scene.setting);
    const wind = scene.weather === 'wind' ? 1 : scene.weather === 'storm' ? 0.6 : 0;
    const alpha = ctx.globalAlpha;
    for (const a of this.actors) {
      const def = KINDS[a.kind];
      let zone = def.zone;
      if (scene.setting === 'space' && (zone === 'ground' || zone === 'water' || zone === 'fixed')) zone = 'air';
      if (zone === 'water' && scene.setting !== 'sea' && scene.setting !== 'beach') zone = a.kind === 'fish' || a.kind === 'whale' ? 'air' : 'ground';
      let depth = 0.6;
      let scale = 1;
      let x: number;
      let y: number;
      const v = def.speed * a.speed * (1 + wind * 0.8);
      const wrap = (u: number, span: number) => ((u % span) + span) % span;
      // Start inside the frame (10%..90% of the width), then move and wrap around.
      const x0 = 0.1 + a.x * 0.8;
      switch (zone) {
        case 'ground':
        case 'fixed':
          depth = 0.65 + a.depth * 0.3;
          scale = 0.7 + a.depth * 0.45;
          y = ground - 0.05 + a.depth * 0.07;
          if (scene.setting === 'room') y = zone === 'fixed' ? 0.64 : ground;
          x = zone === 'fixed' ? x0 : x0 + a.dir * v * tm;
          break;
        case 'water':
          depth = 0.3 + a.depth * 0.5;
          scale = 0.55 + a.depth * 0.6;
          y = WATERLINE + 0.02 + a.depth * (scene.setting === 'beach' ? 0.17 : 0.28);
          x = x0 + a.dir * v * tm;
          break;
        case 'rise':
          depth = 0.5;
          y = 1.05 - wrap(0.15 + a.y * 0.75 + v * tm, 1.4);
          x = x0 + Math.sin(tm * 0.4 + a.phase) * 0.03 + wind * 0.05 * tm;
          break;
        case 'fall':
          depth = 0.8;
          y = wrap(a.y * 1.2 + v * tm, 1.2) - 0.1;
          x = x0 + Math.sin(tm * 1.5 + a.phase) * 0.04 + wind * 0.15 * tm;
          break;
        case 'burst':
          depth = 0.2;
          y = 0.28 + a.y * 0.12;
          x = x0;
          break;
        default:
          depth = 0.5 + a.depth * 0.2;
          y = 0.1 + a.y * 0.36 + Math.sin(tm * 0.8 + a.phase) * 0.015;
          if (a.kind === 'kite') y = 0.18 + a.y * 0.2;
          x = a.kind === 'kite' ? x0 : x0 + a.dir * v * tm;
          if (a.kind === 'birds') {
            // A flock flies in a V behind its leader.
            const lead = this.actors.find((b) => b.kind === 'birds' && b.index === 0)!;
            const rank = Math.ceil(a.index / 2);
            x = 0.1 + lead.x * 0.8 + lead.dir * v * tm - lead.dir * rank * 0.035;
            y = 0.12 + lead.y * 0.3 + (a.index % 2 ? 1 : -1) * rank * 0.03 + Math.sin(tm * 0.8 + lead.phase) * 0.015;
          }
      }
      const view = cameraAt(scene.camera, tc, W, depth);
      const xf = zone === 'burst' ? x : wrap(x + 0.2 + view.dx / W, 1.4) - 0.2;
      // Whole pixels: a subject that only moves then repeats its own picture, shifted, which the
      // encoder predicts exactly.
      const px = Math.round((xf * W - W / 2) * view.z + W / 2);
      const py = Math.round((y * H - H * 0.55) * view.z + H * 0.55);
      const size = def.size * m * a.scale * scale * view.z;
      const paint: Paint = {
        lit: (c, haze, al) => this.light.lit(c, haze, al),
        night: scene.time === 'night' || scene.time === 'dusk',
        color: a.color ?? def.color ?? this.palette(a),
        wind,
      };
      ctx.setTransform(1, 0, 0, 1, px, py);
      ctx.scale(a.dir < 0 && zone !== 'fixed' && zone !== 'rise' ? -size : size, size);
      ctx.globalAlpha = alpha;
      def.draw(ctx, a, tm + a.phase, paint);
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.globalAlpha = alpha;
  }

  /** A colour for an actor the prompt gave none: the prompt's named colours, else its hue. */
  private palette(a: Actor): string {
    const named = this.scene.colors;
    if (named.length) return named[a.index % named.length];
    const h = (this.scene.hue + a.index * 47 + (hash32(a.kind) % 60)) % 360;
    return `hsl(${h},72%,55%)`;
  }

  private characters(t: number) {
    const { ctx, W, H } = this;
    const n = this.cutouts.length;
    this.cutouts.forEach((c, i) => {
      const size = c.width;
      const cx = W * (n === 1 ? 0.38 : 0.3 + 0.4 * i) + Math.sin(t * 0.45 + i * 2) * W * 0.05;
      const cy = H * 0.6 - Math.abs(Math.sin(t * 2.6 + i)) * H * 0.02;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      const alpha = ctx.globalAlpha;
      ctx.globalAlpha = alpha * 0.35;
      ctx.fillStyle = '#000';
      ctx.beginPath();
      ctx.ellipse(cx, H * 0.6 + size * 0.55, size * 0.4, size * 0.06, 0, 0, Math.PI * 2);
      ctx.fill();
      ctx.globalAlpha = alpha;
      ctx.drawImage(c, cx - size / 2, cy - size / 2);
    });
  }
}

/**
 * The drawing state every part of a frame starts from. Parts set what they need (a round cap,
 * say) and leave it set, so without this a frame's lines would depend on the frame before it, and
 * a clip's first frame would differ from the same moment painted later (as an extension does).
 */
function resetState(ctx: SKRSContext2D) {
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.globalAlpha = 1;
  ctx.globalCompositeOperation = 'source-over';
  ctx.lineCap = 'butt';
  ctx.lineJoin = 'miter';
}

/** A character's key frame cut into a ringed circle (cover-cropped), made once per job. */
function cutout(image: Image | Canvas, size: number): Canvas {
  const c = createCanvas(size, size);
  const g = c.getContext('2d');
  const ring = Math.max(3, size / 30);
  g.beginPath();
  g.arc(size / 2, size / 2, size / 2 - ring / 2, 0, Math.PI * 2);
  g.save();
  g.clip();
  const s = Math.max(size / image.width, size / image.height);
  g.drawImage(image, (size - image.width * s) / 2, (size - image.height * s) / 2, image.width * s, image.height * s);
  g.restore();
  g.strokeStyle = '#ffffff';
  g.lineWidth = ring;
  g.stroke();
  return c;
}
