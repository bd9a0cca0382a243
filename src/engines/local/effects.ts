// Screen-space layers on top of a frame: weather (rain, snow, fog, storm, wind) and styles
// (neon, pastel, noir, watercolor, vintage, cinematic). They also grade an edit's real frames.
import { createCanvas, type Canvas, type SKRSContext2D } from '@napi-rs/canvas';
import type { Layout } from './layout.js';
import { stream } from './layout.js';
import { IDENTITY, type ColorMatrix } from '../../media/index.js';
import { chain, colorize, contrast, levels, mixColor, over, saturation, screen, splitTone } from './grade.js';
import type { Scene } from './scene.js';

const TAU = Math.PI * 2;

export class Effects {
  private vignette: Canvas | null = null;
  private paper: Canvas | null = null;
  private neonGlow: Canvas | null = null;
  private fogBanks: { canvas: Canvas; top: number } | null = null;
  private fullGrade: ColorMatrix | null = null;
  private readonly flakes = new Map<number, Canvas>();

  constructor(
    private readonly scene: Scene,
    private readonly layout: Layout,
    private readonly W: number,
    private readonly H: number,
  ) {}

  /** `t` motion time, `tr` real time (lightning keeps its schedule), `amount` fades the layer in. */
  weather(ctx: SKRSContext2D, t: number, tr: number, amount = 1): void {
    const { W, H, layout } = this;
    const w = this.scene.weather;
    if (w === 'clear' || amount <= 0) return;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.globalAlpha = amount;
    const p = layout.particles;
    const m = Math.min(W, H);
    if (w === 'rain' || w === 'storm') {
      const slant = w === 'storm' ? 0.35 : 0.12;
      // Fewer, longer streaks than a real downpour: each one touches blocks the encoder must code
      // anew every frame (300 streaks cost x264 about 40% more than 160 at 1280x720).
      const n = w === 'storm' ? 200 : 160;
      ctx.strokeStyle = 'rgba(210,220,235,0.5)';
      ctx.lineWidth = Math.max(1, m / 600);
      ctx.beginPath();
      for (let i = 0; i < n; i++) {
        const s = 0.6 + p[i * 3 + 2] * 0.8;
        const len = m * 0.06 * s;
        const y = ((p[i * 3 + 1] + t * 1.9 * s) % 1.1) * H - len;
        const x = ((((p[i * 3] + t * slant * 0.5) % 1) + 1) % 1) * W * 1.1 - W * 0.05;
        ctx.moveTo(x, y);
        ctx.lineTo(x - len * slant, y + len);
      }
      ctx.stroke();
    }
    if (w === 'snow') {
      // Fewer, larger flakes: each moving speck costs the encoder, so they are spent carefully.
      // Each flake is a disc painted once and then copied to whole-pixel positions: the same
      // pixels every frame, which the encoder predicts better than a disc re-rasterised at a new
      // sub-pixel offset, and a blit is cheaper than filling 200 arcs.
      for (let i = 0; i < 200; i++) {
        const s = p[i * 3 + 2];
        const r = Math.max(1.3, m * (0.0035 + s * 0.007));
        const y = ((p[i * 3 + 1] + t * (0.05 + s * 0.1)) % 1.05) * H - r;
        const x = ((((p[i * 3] + Math.sin(t * 0.8 + i) * 0.01 + t * 0.01) % 1) + 1) % 1) * W;
        const flake = this.flake(r);
        const half = flake.width / 2;
        ctx.drawImage(flake, Math.round(x - half), Math.round(y - half));
      }
    }
    if (w === 'fog') {
      // The flat veil over everything is in grade(); the banks, which span the whole width at
      // fixed heights, are painted once and copied.
      this.fogBanks ??= this.paintFogBanks();
      ctx.drawImage(this.fogBanks.canvas, 0, this.fogBanks.top);
    }
    if (w === 'wind') {
      // A couple of dozen gusts read as wind; each is a long curve whose blocks the encoder codes
      // anew every frame (36 of them cost x264 about 25% more than 24 at 1280x720).
      ctx.strokeStyle = 'rgba(255,255,255,0.4)';
      ctx.lineWidth = Math.max(1.5, m / 400);
      ctx.beginPath();
      for (let i = 0; i < 24; i++) {
        const s = 0.5 + p[i * 3 + 2];
        const x = ((p[i * 3] + t * 0.7 * s) % 1.3) * W - W * 0.15;
        const y = p[i * 3 + 1] * H;
        const len = W * 0.08 * s;
        ctx.moveTo(x, y);
        ctx.quadraticCurveTo(x + len * 0.5, y - m * 0.012, x + len, y);
      }
      ctx.stroke();
      ctx.fillStyle = 'rgba(150,110,50,0.85)';
      for (let i = 40; i < 52; i++) {
        const x = ((p[i * 3] + t * 0.5) % 1.2) * W - W * 0.1;
        const y = (p[i * 3 + 1] + Math.sin(t * 2 + i) * 0.05) * H;
        ctx.beginPath();
        ctx.ellipse(x, y, m * 0.008, m * 0.004, t * 3 + i, 0, TAU);
        ctx.fill();
      }
    }
    if (w === 'storm') {
      const strike = layout.lightning.find(([s]) => tr >= s && tr < s + 0.22);
      if (strike) {
        const age = (tr - strike[0]) / 0.22;
        ctx.fillStyle = `rgba(225,232,255,${(0.45 * (1 - age)).toFixed(3)})`;
        ctx.fillRect(0, 0, W, H);
        const r = stream(layout.seed, `bolt${strike[0].toFixed(3)}`);
        ctx.strokeStyle = `rgba(255,255,255,${(1 - age * 0.7).toFixed(3)})`;
        ctx.lineWidth = Math.max(2, m / 250);
        ctx.beginPath();
        let x = strike[1] * W;
        let y = 0;
        ctx.moveTo(x, y);
        while (y < H * 0.72) {
          x += (r() - 0.5) * W * 0.06;
          y += H * (0.04 + r() * 0.06);
          ctx.lineTo(x, y);
          if (r() < 0.25) {
            ctx.lineTo(x + (r() - 0.5) * W * 0.08, y + H * 0.08);
            ctx.moveTo(x, y);
          }
        }
        ctx.stroke();
      }
    }
    ctx.globalAlpha = 1;
  }

  /**
   * The flat colour work of the weather (fog's veil) and the style (grey, sepia, tints, contrast)
   * as a matrix for the frame's conversion to I420: mixed toward the identity by `amount`, as
   * globalAlpha fades the rest in.
   */
  grade(amount = 1): ColorMatrix {
    if (amount <= 0) return IDENTITY;
    // Made once: the same matrix object each frame also lets the converter keep its coefficients.
    this.fullGrade ??= this.makeGrade();
    return mixColor(IDENTITY, this.fullGrade, amount);
  }

  private makeGrade(): ColorMatrix {
    const s = this.scene.style;
    const fog = this.scene.weather === 'fog';
    let m: ColorMatrix = IDENTITY;
    if (s === 'noir') m = chain(saturation(0), contrast(1.12, 150));
    // A steady warm fade: a flicker would change every pixel of every frame, which the encoder
    // pays for in full.
    else if (s === 'vintage') m = chain(colorize([140, 95, 45], 0.6), over([255, 235, 200], 0.08));
    else if (s === 'pastel') m = chain(saturation(0.55), screen([255, 205, 230], 0.35));
    // Soft light with a warm white, fitted as gain and lift; then a light wash.
    else if (s === 'watercolor') m = chain(levels([0.9, 0.906, 0.922], [37.6, 34.7, 28.8]), screen([255, 250, 240], 0.18));
    // Teal shadows and orange highlights, split by luminosity, with a little more contrast.
    else if (s === 'cinematic') m = chain(contrast(1.08), splitTone(0.16));
    if (fog) m = chain(over([215, 222, 228], 0.35), m);
    return m;
  }

  /** What varies across the frame (grain, vignette, textures, lines); the flat part is grade(). */
  style(ctx: SKRSContext2D, tr: number, amount = 1): void {
    const { W, H } = this;
    const s = this.scene.style;
    if (s === 'none' || amount <= 0) return;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.globalAlpha = amount;
    const frame = Math.floor(tr * 24);
    if (s === 'noir') {
      this.grain(ctx, frame, 0.18);
      this.drawVignette(ctx, 0.8);
    } else if (s === 'vintage') {
      this.grain(ctx, frame, 0.3);
      if (frame % 11 < 4) {
        ctx.fillStyle = 'rgba(30,20,10,0.35)';
        ctx.fillRect((((frame * 0.37) % 1) * W) | 0, 0, Math.max(1, W / 900), H);
      }
      this.drawVignette(ctx, 0.9);
    } else if (s === 'neon') {
      // Stays on the canvas: the glow and grid are painted over the darkened frame, and a grade
      // comes after everything painted.
      ctx.globalCompositeOperation = 'multiply';
      ctx.fillStyle = 'rgba(70,40,120,0.8)';
      ctx.fillRect(0, 0, W, H);
      ctx.globalCompositeOperation = 'screen';
      ctx.drawImage(this.neonGlowLayer(), 0, 0);
      ctx.globalCompositeOperation = 'lighter';
      // A glowing perspective grid on the ground.
      ctx.strokeStyle = 'rgba(255,60,220,0.6)';
      ctx.lineWidth = Math.max(1.5, H / 300);
      ctx.beginPath();
      const hz = H * 0.8;
      for (let k = -12; k <= 12; k++) {
        ctx.moveTo(W / 2 + k * W * 0.02, hz);
        ctx.lineTo(W / 2 + k * W * 0.16, H);
      }
      for (let k = 0; k < 6; k++) {
        const f = ((k + (tr * 0.8) % 1) / 6) ** 2;
        ctx.moveTo(0, hz + f * (H - hz));
        ctx.lineTo(W, hz + f * (H - hz));
      }
      ctx.stroke();
    } else if (s === 'watercolor') {
      ctx.globalCompositeOperation = 'multiply';
      ctx.drawImage(this.paperTexture(), 0, 0);
    } else if (s === 'cinematic') {
      this.drawVignette(ctx, 0.6);
      ctx.globalAlpha = 1;
      ctx.fillStyle = '#000';
      const bar = Math.round(H * 0.11 * amount);
      ctx.fillRect(0, 0, W, bar);
      ctx.fillRect(0, H - bar, W, bar);
    }
    ctx.globalCompositeOperation = 'source-over';
    ctx.globalAlpha = 1;
  }

  private grain(ctx: SKRSContext2D, frame: number, strength: number) {
    const { W, H, layout } = this;
    const p = layout.particles;
    const n = p.length / 3;
    ctx.globalCompositeOperation = 'source-over';
    const size = Math.max(1.5, Math.min(W, H) / 360);
    for (const [color, off] of [[`rgba(0,0,0,${strength})`, 0], [`rgba(255,255,255,${strength * 0.7})`, 97]] as const) {
      ctx.fillStyle = color;
      ctx.beginPath();
      for (let i = 0; i < 220; i++) {
        const k = (i * 7 + frame * 13 + off) % n;
        ctx.rect(((p[k * 3] + frame * 0.618) % 1) * W, ((p[k * 3 + 1] + frame * 0.371) % 1) * H, size, size);
      }
      ctx.fill();
    }
  }

  /** A snowflake of radius `r` (to a quarter pixel), centred in a canvas of even width. */
  private flake(r: number): Canvas {
    const q = Math.round(r * 4);
    let c = this.flakes.get(q);
    if (!c) {
      const size = 2 * Math.ceil(q / 4) + 2;
      c = createCanvas(size, size);
      const g = c.getContext('2d');
      g.fillStyle = 'rgba(255,255,255,0.92)';
      g.beginPath();
      g.arc(size / 2, size / 2, q / 4, 0, TAU);
      g.fill();
      this.flakes.set(q, c);
    }
    return c;
  }

  private drawVignette(ctx: SKRSContext2D, strength: number) {
    if (!this.vignette) {
      // Made once at full size: copying it is a fraction of what scaling a smaller one up each
      // frame costs (about 0.6 against 3 ms at 1280x720).
      const { W, H } = this;
      this.vignette = createCanvas(W, H);
      const v = this.vignette.getContext('2d');
      const g = v.createRadialGradient(W / 2, H / 2, Math.min(W, H) * 0.35, W / 2, H / 2, Math.hypot(W, H) / 2);
      g.addColorStop(0, 'rgba(0,0,0,0)');
      g.addColorStop(1, 'rgba(0,0,0,0.85)');
      v.fillStyle = g;
      v.fillRect(0, 0, W, H);
    }
    const a = ctx.globalAlpha;
    ctx.globalCompositeOperation = 'source-over';
    ctx.globalAlpha = a * strength;
    ctx.drawImage(this.vignette, 0, 0);
    ctx.globalAlpha = a;
  }

  /**
   * Neon's pink-to-cyan glow, made once at full size: screening a copy of it costs about 1 ms per
   * 1280x720 frame, shading the gradient anew each frame about 2.5 ms.
   */
  private neonGlowLayer(): Canvas {
    if (!this.neonGlow) {
      const { W, H } = this;
      this.neonGlow = createCanvas(W, H);
      const c = this.neonGlow.getContext('2d');
      const g = c.createLinearGradient(0, 0, W, H);
      g.addColorStop(0, 'rgba(255,0,170,0.35)');
      g.addColorStop(1, 'rgba(0,230,255,0.35)');
      c.fillStyle = g;
      c.fillRect(0, 0, W, H);
    }
    return this.neonGlow;
  }

  private paintFogBanks(): { canvas: Canvas; top: number } {
    const { W, H } = this;
    const top = Math.floor(H * 0.23);
    const canvas = createCanvas(W, H - top);
    const c = canvas.getContext('2d');
    for (let k = 0; k < 4; k++) {
      const y = H * (0.35 + k * 0.17) - top;
      const g = c.createLinearGradient(0, y - H * 0.12, 0, y + H * 0.12);
      g.addColorStop(0, 'rgba(225,230,235,0)');
      g.addColorStop(0.5, 'rgba(225,230,235,0.5)');
      g.addColorStop(1, 'rgba(225,230,235,0)');
      c.fillStyle = g;
      c.fillRect(0, y - H * 0.12, W, H * 0.24);
    }
    return { canvas, top };
  }

  /** Blotches made at an eighth of the size (they have no detail), kept scaled up to full size. */
  private paperTexture(): Canvas {
    if (!this.paper) {
      const w = Math.ceil(this.W / 8);
      const h = Math.ceil(this.H / 8);
      const small = createCanvas(w, h);
      const c = small.getContext('2d');
      c.fillStyle = '#ffffff';
      c.fillRect(0, 0, w, h);
      const r = stream(this.layout.seed, 'paper');
      for (let i = 0; i < 90; i++) {
        const x = r() * w;
        const y = r() * h;
        const rad = (0.03 + r() * 0.12) * w;
        const g = c.createRadialGradient(x, y, 0, x, y, rad);
        g.addColorStop(0, `rgba(200,180,150,${(0.12 + r() * 0.15).toFixed(3)})`);
        g.addColorStop(1, 'rgba(200,180,150,0)');
        c.fillStyle = g;
        c.fillRect(x - rad, y - rad, rad * 2, rad * 2);
      }
      this.paper = createCanvas(this.W, this.H);
      this.paper.getContext('2d').drawImage(small, 0, 0, this.W, this.H);
    }
    return this.paper;
  }
}

/** Tints an existing frame (an edit's source) toward a time of day. */
export function gradeTime(ctx: SKRSContext2D, time: Scene['time'], W: number, H: number, amount = 1): void {
  const tint: Partial<Record<Scene['time'], [string, number]>> = {
    night: ['rgb(40,55,120)', 0.75],
    dusk: ['rgb(110,90,170)', 0.5],
    sunset: ['rgb(255,150,80)', 0.45],
    dawn: ['rgb(255,185,150)', 0.35],
  };
  const c = tint[time];
  if (!c || amount <= 0) return;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.globalAlpha = c[1] * amount;
  ctx.globalCompositeOperation = 'multiply';
  ctx.fillStyle = c[0];
  ctx.fillRect(0, 0, W, H);
  ctx.globalCompositeOperation = 'source-over';
  if (time === 'night') {
    ctx.fillStyle = 'rgba(0,0,10,0.45)';
    ctx.fillRect(0, 0, W, H);
  }
  ctx.globalAlpha = 1;
}
