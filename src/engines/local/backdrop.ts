// The backdrop of each setting: sky, stars, sun or moon, clouds and the land in parallax layers.
import { createCanvas, type Canvas, type SKRSContext2D, type CanvasGradient } from '@napi-rs/canvas';
import type { Layout, Ridge } from './layout.js';
import type { Scene } from './scene.js';
import { cameraAt, movesAllDepthsAlike, type View } from './camera.js';
import { SKY, Light, css, hslToRgb, mix, rgb } from './color.js';

const TAU = Math.PI * 2;

/** Screen = (world + dx - cx) * z + cx, about a focus a little below the centre. */
export function setView(ctx: SKRSContext2D, v: View, W: number, H: number) {
  const cx = W / 2;
  const cy = H * 0.55;
  // Whole-pixel shifts when nothing scales: layers then move as exact copies, which the encoder
  // finds cheaply (and which stay sharp).
  const e = (v.dx - cx) * v.z + cx;
  ctx.setTransform(v.z, 0, 0, v.z, v.z === 1 ? Math.round(e) : e, cy - cy * v.z);
}

/** Land layers: colour, depth, base line and height (fractions of H), ridge shape. */
interface Land {
  color: string;
  depth: number;
  base: number;
  amp: number;
  peaky: boolean;
  haze: number;
  snow?: boolean;
  pines?: number;
}

const LANDS: Partial<Record<Scene['setting'], Land[]>> = {
  mountains: [
    { color: '#7f93b5', depth: 0.15, base: 0.64, amp: 0.42, peaky: true, haze: 0.35, snow: true },
    { color: '#4f6b5e', depth: 0.4, base: 0.76, amp: 0.2, peaky: true, haze: 0.15 },
    { color: '#3d6b35', depth: 0.75, base: 0.9, amp: 0.07, peaky: false, haze: 0 },
  ],
  forest: [
    { color: '#58836a', depth: 0.15, base: 0.66, amp: 0.14, peaky: false, haze: 0.35, pines: 0.05 },
    { color: '#2f6a3e', depth: 0.4, base: 0.76, amp: 0.08, peaky: false, haze: 0.12, pines: 0.09 },
    { color: '#1f4f2b', depth: 0.75, base: 0.92, amp: 0.04, peaky: false, haze: 0, pines: 0.2 },
  ],
  desert: [
    { color: '#d9a66b', depth: 0.15, base: 0.66, amp: 0.1, peaky: false, haze: 0.3 },
    { color: '#e3b57a', depth: 0.4, base: 0.76, amp: 0.08, peaky: false, haze: 0.1 },
    { color: '#eac38a', depth: 0.75, base: 0.88, amp: 0.05, peaky: false, haze: 0 },
  ],
  snowfield: [
    { color: '#aebfd4', depth: 0.15, base: 0.62, amp: 0.28, peaky: true, haze: 0.3, snow: true },
    { color: '#dfe8f2', depth: 0.4, base: 0.76, amp: 0.08, peaky: false, haze: 0.05 },
    { color: '#f4f8fc', depth: 0.75, base: 0.88, amp: 0.04, peaky: false, haze: 0 },
  ],
  meadow: [
    { color: '#6f9e7a', depth: 0.15, base: 0.66, amp: 0.12, peaky: false, haze: 0.35, pines: 0.03 },
    { color: '#6fae4a', depth: 0.4, base: 0.77, amp: 0.07, peaky: false, haze: 0.08 },
    { color: '#5a9a3a', depth: 0.75, base: 0.89, amp: 0.04, peaky: false, haze: 0 },
  ],
};

/** Where walkers walk and where boats float, as fractions of H. */
export function groundLine(setting: Scene['setting']): number {
  return { mountains: 0.9, forest: 0.92, sea: 0.93, beach: 0.86, desert: 0.88, city: 0.93, space: 0.8, snowfield: 0.88, meadow: 0.89, room: 0.93, abstract: 0.86 }[setting];
}
export const WATERLINE = 0.6;
/** Land and skyline layers repeat every PERIOD screen widths. */
const PERIOD = 1.5;

function ridgeHeight(r: Ridge, u: number, peaky: boolean): number {
  let s = 0;
  let n = 0;
  for (const [f, a, ph] of r.waves) {
    const v = Math.sin(TAU * f * u + ph);
    s += a * (peaky ? Math.pow(1 - Math.abs(v), 1.6) : (v + 1) / 2);
    n += a;
  }
  return s / n;
}

export class Backdrop {
  private readonly light: Light;
  private readonly sky: CanvasGradient;
  private readonly W: number;
  private readonly H: number;
  private readonly night: boolean;
  private skyCache: Canvas | null = null;
  private soft: Canvas | null = null;
  private readonly layers = new Map<number, { canvas: Canvas; x0: number; y0: number }>();
  private stillLand: { canvas: Canvas; top: number } | null = null;

  constructor(
    private ctx: SKRSContext2D,
    private readonly scene: Scene,
    private readonly layout: Layout,
    W: number,
    H: number,
  ) {
    this.W = W;
    this.H = H;
    this.light = new Light(scene);
    this.night = scene.time === 'night' || scene.time === 'dusk' || scene.setting === 'space';
    const stops = scene.setting === 'space' ? ['#000004', '#05040f', '#0d0a24'] : SKY[scene.time];
    let [top, mid, bottom] = stops.map(rgb);
    if (scene.setting === 'abstract') {
      const l = { dawn: 0.55, day: 0.6, sunset: 0.5, dusk: 0.3, night: 0.14 }[scene.time];
      top = hslToRgb(scene.hue, 0.45, l * 0.6);
      mid = hslToRgb((scene.hue + 30) % 360, 0.5, l * 0.85);
      bottom = hslToRgb((scene.hue + 60) % 360, 0.55, l);
    }
    if (scene.weather === 'storm' || scene.weather === 'rain') {
      const grey = rgb(scene.weather === 'storm' ? '#2b2f38' : '#6b7380');
      [top, mid, bottom] = [top, mid, bottom].map((c) => mix(c, grey, scene.weather === 'storm' ? 0.75 : 0.55));
    }
    this.sky = ctx.createLinearGradient(0, 0, 0, H);
    this.sky.addColorStop(0, css(top));
    this.sky.addColorStop(0.55, css(mid));
    this.sky.addColorStop(1, css(bottom));
  }

  /** `t` is motion time (slowed or sped up), `tc` camera time. */
  paint(t: number, tc: number): void {
    const { ctx, scene, W, H } = this;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    // What never moves (sky, sun or moon, open water) is painted once and copied each frame.
    this.skyCache ??= this.offscreen(W, H, () => this.paintStill(), true);
    ctx.drawImage(this.skyCache, 0, 0);
    if (scene.setting === 'abstract') this.blobs(t);
    if (this.night || scene.subjects.some((s) => s.kind === 'stars')) this.stars(t, tc);
    if (this.timelapse && scene.setting !== 'room') this.celestial(t);
    if (scene.setting !== 'space' && scene.setting !== 'room') this.clouds(t, tc);
    switch (scene.setting) {
      case 'sea':
      case 'beach':
        this.sea(t, tc);
        break;
      case 'city':
        this.landLayers([0.25, 0.55], tc);
        this.street(tc);
        break;
      case 'room':
        this.room(t);
        break;
      case 'space':
      case 'abstract':
        break;
      default:
        this.landLayers((LANDS[scene.setting] ?? LANDS.meadow!).map((land) => land.depth), tc);
    }
  }

  private get timelapse() {
    return this.scene.speed > 2;
  }

  private paintStill() {
    const { ctx, scene, W, H } = this;
    ctx.fillStyle = this.sky;
    ctx.fillRect(0, 0, W, H);
    if (scene.setting === 'space') this.nebula();
    if (!this.timelapse && scene.setting !== 'room') this.celestial(0);
    if (scene.setting === 'sea' || scene.setting === 'beach') {
      const horizon = H * 0.58;
      const water = ctx.createLinearGradient(0, horizon, 0, H);
      water.addColorStop(0, this.light.lit('#4f8fb5', 0.35));
      water.addColorStop(1, this.light.lit(scene.weather === 'storm' ? '#1f2d3a' : '#0f4c75'));
      ctx.fillStyle = water;
      ctx.fillRect(0, horizon, W, H - horizon);
    }
  }

  /**
   * Runs `draw` against a fresh canvas instead of the frame. An opaque one (the sky, which covers
   * it all) is copied onto the frame without blending.
   */
  private offscreen(w: number, h: number, draw: () => void, opaque = false): Canvas {
    const canvas = createCanvas(Math.ceil(w), Math.ceil(h));
    const frame = this.ctx;
    this.ctx = canvas.getContext('2d', opaque ? { alpha: false } : undefined);
    try {
      draw();
    } finally {
      this.ctx = frame;
    }
    return canvas;
  }

  /**
   * The land or building layers, far to near, at these depths. Under a still camera or a zoom
   * they never move apart, so they are composed once into one picture (as the still camera sees
   * it): one copy a frame, or one scaled copy, instead of one per layer.
   */
  private landLayers(depths: number[], tc: number) {
    if (!movesAllDepthsAlike(this.scene.camera)) {
      depths.forEach((depth, i) => this.cachedLayer(i, depth, tc));
      return;
    }
    const { W, H } = this;
    if (!this.stillLand) {
      const layers = depths.map((_, i) => this.layer(i));
      const canvas = this.offscreen(W, H, () => {
        this.ctx.setTransform(1, 0, 0, 1, 0, 0);
        for (const c of layers) this.ctx.drawImage(c.canvas, c.x0, c.y0);
      });
      this.layers.clear(); // only the composed picture is drawn from now on
      this.stillLand = { canvas, top: Math.min(...layers.map((c) => c.y0)) };
    }
    const { canvas, top } = this.stillLand;
    this.view(0, tc);
    this.ctx.drawImage(canvas, 0, top, W, H - top, 0, top, W, H - top);
  }

  /**
   * A land or building layer, painted once in world coordinates and then placed by the camera.
   * Layers repeat every PERIOD, so a pan of any length reuses the same picture.
   */
  private cachedLayer(i: number, depth: number, tc: number) {
    const { W } = this;
    const c = this.layer(i);
    const v = this.view(depth, tc);
    const [lo] = this.span(v);
    const n = this.scene.camera === 'pan_left' || this.scene.camera === 'pan_right' ? Math.floor((lo - c.x0) / (PERIOD * W)) : 0;
    this.ctx.drawImage(c.canvas, c.x0 + n * PERIOD * W, c.y0);
  }

  /** Layer i's picture, painted on first use. */
  private layer(i: number): { canvas: Canvas; x0: number; y0: number } {
    const { W, H } = this;
    let c = this.layers.get(i);
    if (!c) {
      const pan = this.scene.camera === 'pan_left' || this.scene.camera === 'pan_right';
      const x0 = -0.25 * W;
      const width = pan ? PERIOD * W + W + 8 : 1.5 * W;
      const y0 = Math.max(0, Math.floor(this.layerTop(i) * H) - 2);
      const canvas = this.offscreen(width, H - y0, () => {
        this.ctx.setTransform(1, 0, 0, 1, -x0, -y0);
        if (this.scene.setting === 'city') this.buildings(i, x0, x0 + width);
        else this.land(i, x0, x0 + width);
      });
      c = { canvas, x0, y0 };
      this.layers.set(i, c);
    }
    return c;
  }

  /** The highest point a layer can reach, as a fraction of H. */
  private layerTop(i: number): number {
    if (this.scene.setting === 'city') return 0.93 - (i ? 0.48 : 0.65) - 0.05;
    const land = (LANDS[this.scene.setting] ?? LANDS.meadow!)[i];
    return land.base - land.amp - (land.pines ? land.pines * 1.4 : 0);
  }

  private view(depth: number, tc: number) {
    setView(this.ctx, cameraAt(this.scene.camera, tc, this.W, depth), this.W, this.H);
    return cameraAt(this.scene.camera, tc, this.W, depth);
  }

  /** Visible world x range for a view. */
  private span(v: View): [number, number] {
    const cx = this.W / 2;
    return [-cx / v.z + cx - v.dx - 2, (this.W - cx) / v.z + cx - v.dx + 2];
  }

  /** Soft shapes need no detail: painted at an eighth of the size, then scaled up. */
  private blobs(t: number) {
    const k = 8;
    this.soft ??= createCanvas(Math.ceil(this.W / k), Math.ceil(this.H / k));
    const frame = this.ctx;
    this.ctx = this.soft.getContext('2d');
    this.ctx.setTransform(1 / k, 0, 0, 1 / k, 0, 0);
    this.ctx.clearRect(0, 0, this.W, this.H);
    try {
      this.paintBlobs(t);
    } finally {
      this.ctx = frame;
    }
    frame.setTransform(1, 0, 0, 1, 0, 0);
    frame.drawImage(this.soft, 0, 0, this.W, this.H);
  }

  private paintBlobs(t: number) {
    const { ctx, W, H, scene } = this;
    const light = { dawn: 62, day: 66, sunset: 58, dusk: 42, night: 30 }[scene.time];
    for (const [bx, by, br, dh] of this.layout.blobs) {
      const x = (bx + Math.sin(t * 0.21 + dh) * 0.06) * W;
      const y = (by + Math.cos(t * 0.17 + dh) * 0.06) * H;
      const g = ctx.createRadialGradient(x, y, 0, x, y, br * W);
      const c = scene.colors.length ? rgb(scene.colors[Math.abs(Math.round(dh)) % scene.colors.length]) : hslToRgb((scene.hue + dh + 360) % 360, 0.75, light / 100);
      g.addColorStop(0, css(c, 0.85));
      g.addColorStop(1, css(c, 0));
      ctx.fillStyle = g;
      ctx.fillRect(x - br * W, y - br * W, br * W * 2, br * W * 2);
    }
  }

  private stars(t: number, tc: number) {
    const { ctx, W, H } = this;
    const v = cameraAt(this.scene.camera, tc, W, 0.02);
    const s = this.layout.stars;
    const size = Math.max(1.5, Math.min(W, H) / 400);
    // Four brightness steps, one path each: twinkling without a colour per star.
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    for (let step = 0; step < 4; step++) {
      ctx.fillStyle = `rgba(255,250,235,${(0.25 + step * 0.25).toFixed(2)})`;
      ctx.beginPath();
      for (let i = 0; i < s.length; i += 3) {
        const b = s[i + 2] * (0.55 + 0.45 * Math.sin(t * 2.5 + i));
        if (Math.min(3, Math.floor(b * 4)) !== step) continue;
        const x = Math.round((((s[i] * W + v.dx * 0.1) % W) + W) % W);
        const d = s[i + 2] > 0.85 ? size * 1.6 : size;
        ctx.rect(x, Math.round(s[i + 1] * H), d, d);
      }
      ctx.fill();
    }
    if (this.scene.subjects.some((x) => x.kind === 'stars')) {
      // A shooting star every few seconds.
      const k = Math.floor(t / 3);
      const age = (t % 3) / 0.8;
      if (age < 1) {
        const x0 = ((k * 0.37 + this.layout.sunX) % 1) * W;
        const y0 = (0.05 + ((k * 0.23) % 0.25)) * H;
        const g = ctx.createLinearGradient(x0 + age * W * 0.3, y0 + age * H * 0.15, x0 + age * W * 0.3 - W * 0.1, y0 + age * H * 0.15 - H * 0.05);
        g.addColorStop(0, 'rgba(255,255,255,0.95)');
        g.addColorStop(1, 'rgba(255,255,255,0)');
        ctx.strokeStyle = g;
        ctx.lineWidth = size * 1.2;
        ctx.beginPath();
        ctx.moveTo(x0 + age * W * 0.3, y0 + age * H * 0.15);
        ctx.lineTo(x0 + age * W * 0.3 - W * 0.1, y0 + age * H * 0.15 - H * 0.05);
        ctx.stroke();
      }
    }
  }

  private nebula() {
    const { ctx, W, H, scene } = this;
    for (const [bx, by, br, dh] of this.layout.blobs.slice(0, 4)) {
      const x = bx * W;
      const y = by * H * 0.8;
      const g = ctx.createRadialGradient(x, y, 0, x, y, br * W);
      const c = hslToRgb((scene.hue + dh + 360) % 360, 0.7, 0.45);
      g.addColorStop(0, css(c, 0.28));
      g.addColorStop(1, css(c, 0));
      ctx.fillStyle = g;
      ctx.fillRect(x - br * W, y - br * W, br * W * 2, br * W * 2);
    }
  }

  /** Sun, moon and planets: far enough that the camera does not move them. */
  private celestial(t: number) {
    const { ctx, scene, W, H } = this;
    const kinds = new Set(scene.subjects.map((s) => s.kind));
    const m = Math.min(W, H);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    if (scene.setting === 'space' || kinds.has('planet')) {
      const planet = scene.subjects.find((s) => s.kind === 'planet');
      const c = rgb(planet?.color ?? css(hslToRgb((scene.hue + 200) % 360, 0.55, 0.55)));
      const r = m * (scene.setting === 'space' ? 0.34 : 0.12);
      const x = scene.setting === 'space' ? W * (1 - this.layout.sunX * 0.5) : W * (1 - this.layout.sunX);
      const y = scene.setting === 'space' ? H * 0.95 : H * 0.22;
      const rot = t * 0.02;
      const g = ctx.createRadialGradient(x - r * 0.4, y - r * 0.4, r * 0.1, x, y, r);
      g.addColorStop(0, css(mix(c, [255, 255, 255], 0.35)));
      g.addColorStop(0.7, css(c));
      g.addColorStop(1, css(mix(c, [0, 0, 0], 0.6)));
      ctx.fillStyle = g;
      ctx.beginPath();
      ctx.arc(x, y, r, 0, TAU);
      ctx.fill();
      ctx.save();
      ctx.beginPath();
      ctx.arc(x, y, r, 0, TAU);
      ctx.clip();
      ctx.fillStyle = css(mix(c, [255, 255, 255], 0.2), 0.35);
      for (let b = 0; b < 5; b++) ctx.fillRect(x - r, y - r + ((b * 0.41 + rot) % 1) * 2 * r, 2 * r, r * 0.08);
      ctx.restore();
      if (planet || scene.setting !== 'space') {
        ctx.strokeStyle = css(mix(c, [255, 255, 255], 0.5), 0.75);
        ctx.lineWidth = r * 0.07;
        ctx.beginPath();
        ctx.ellipse(x, y, r * 1.7, r * 0.38, -0.25, 0, TAU);
        ctx.stroke();
      }
    }
    if (scene.setting === 'space') return;
    const moon = kinds.has('moon') || (this.night && !kinds.has('sun'));
    const sun = kinds.has('sun') || !moon;
    // Sun low at dawn and sunset (just above the land), high by day.
    const sunY = { dawn: 0.5, day: 0.18, sunset: 0.5, dusk: 0.58, night: 0.2 }[scene.time];
    const x = W * this.layout.sunX;
    if (sun && scene.time !== 'night') {
      const y = H * (sunY - (scene.speed > 2 ? ((t * 0.01) % 0.2) : 0));
      const r = m * (scene.time === 'day' ? 0.065 : 0.085);
      const core = scene.time === 'day' ? '#fff8d6' : scene.time === 'dusk' ? '#ff8a65' : '#ffcf70';
      const glow = ctx.createRadialGradient(x, y, r * 0.6, x, y, r * 5);
      glow.addColorStop(0, scene.time === 'day' ? 'rgba(255,250,220,0.75)' : 'rgba(255,190,110,0.7)');
      glow.addColorStop(1, 'rgba(255,200,120,0)');
      ctx.fillStyle = glow;
      ctx.fillRect(x - r * 5, y - r * 5, r * 10, r * 10);
      ctx.fillStyle = core;
      ctx.beginPath();
      ctx.arc(x, y, r, 0, TAU);
      ctx.fill();
    }
    if (moon) {
      const y = H * (this.night ? 0.2 : 0.16);
      const mx = sun && scene.time !== 'night' ? W - x : x;
      const r = m * 0.06;
      const glow = ctx.createRadialGradient(mx, y, r * 0.8, mx, y, r * 4);
      glow.addColorStop(0, this.night ? 'rgba(220,230,255,0.35)' : 'rgba(255,255,255,0.15)');
      glow.addColorStop(1, 'rgba(220,230,255,0)');
      ctx.fillStyle = glow;
      ctx.fillRect(mx - r * 4, y - r * 4, r * 8, r * 8);
      ctx.fillStyle = this.night ? '#eef2fa' : 'rgba(255,255,255,0.7)';
      ctx.beginPath();
      ctx.arc(mx, y, r, 0, TAU);
      ctx.fill();
      ctx.fillStyle = this.night ? 'rgba(180,190,210,0.5)' : 'rgba(200,210,230,0.4)';
      for (const [ox, oy, or] of [[-0.3, -0.2, 0.22], [0.25, 0.15, 0.16], [-0.05, 0.4, 0.12]]) {
        ctx.beginPath();
        ctx.arc(mx + ox * r, y + oy * r, or * r, 0, TAU);
        ctx.fill();
      }
    }
  }

  private clouds(t: number, tc: number) {
    const { ctx, scene, W, H } = this;
    const storm = scene.weather === 'storm';
    const base = storm ? '#3a3f4a' : scene.weather === 'rain' ? '#8a929e' : '#ffffff';
    const m = Math.min(W, H);
    const wind = scene.weather === 'wind' ? 4 : 1;
    const count = storm ? 12 : scene.weather === 'rain' ? 9 : scene.subjects.some((s) => s.kind === 'clouds') ? 10 : 5;
    for (const [cx0, cy, cs, cd] of this.layout.clouds.slice(0, count)) {
      const depth = 0.1 + cd * 0.2;
      const v = this.view(depth, tc);
      const [lo, hi] = this.span(v);
      const w = hi - lo + 0.6 * W;
      // Whole pixels: between steps a drifting cloud is the same picture, which the encoder skips.
      const x = Math.round(lo - 0.3 * W + ((((cx0 * w + t * W * 0.006 * wind * (0.5 + cd)) % w) + w) % w));
      const r = cs * m * (storm ? 0.16 : 0.1);
      ctx.fillStyle = this.light.lit(base, 0, storm ? 0.95 : this.night ? 0.5 : 0.85);
      ctx.beginPath();
      ctx.ellipse(x, cy * H, r * 2.2, r * 0.55, 0, 0, TAU);
      ctx.moveTo(x + r * 0.1, cy * H);
      ctx.arc(x - r * 0.7, cy * H - r * 0.2, r * 0.7, 0, TAU);
      ctx.moveTo(x + r * 1.2, cy * H);
      ctx.arc(x + r * 0.3, cy * H - r * 0.45, r * 0.9, 0, TAU);
      ctx.moveTo(x + r * 1.7, cy * H);
      ctx.arc(x + r * 1.1, cy * H - r * 0.1, r * 0.6, 0, TAU);
      ctx.fill();
    }
  }

  /** One land layer between world x `lo` and `hi`, in the current transform. */
  private land(i: number, lo: number, hi: number) {
    const { ctx, scene, W, H } = this;
    const land = (LANDS[scene.setting] ?? LANDS.meadow!)[i];
    const ridge = this.layout.ridges[i];
    const step = W / 64;
    const x0 = Math.floor(lo / step) * step;
    const y = (x: number) => H * (land.base - land.amp * ridgeHeight(ridge, x / W / PERIOD, land.peaky));
    ctx.fillStyle = this.light.lit(land.color, land.haze);
    ctx.beginPath();
    ctx.moveTo(x0, H * 1.6);
    for (let x = x0; x <= hi + step; x += step) ctx.lineTo(x, y(x));
    ctx.lineTo(hi + step, H * 1.6);
    ctx.closePath();
    ctx.fill();
    if (land.snow) {
      // Snow caps: between the ridge and a ragged line below the highest peaks.
      const cap = H * (land.base - land.amp * 0.62);
      ctx.fillStyle = this.light.lit('#f4f7fb', land.haze * 0.6);
      ctx.beginPath();
      const pts: number[] = [];
      for (let x = x0; x <= hi + step; x += step) pts.push(x, y(x));
      ctx.moveTo(pts[0], pts[1]);
      for (let k = 2; k < pts.length; k += 2) ctx.lineTo(pts[k], pts[k + 1]);
      for (let k = pts.length - 2; k >= 0; k -= 2) ctx.lineTo(pts[k], Math.max(pts[k + 1], cap + Math.sin((pts[k] / (W * PERIOD)) * TAU * 23) * H * 0.015));
      ctx.closePath();
      ctx.fill();
    }
    const period = W * PERIOD;
    if (land.pines) {
      ctx.fillStyle = this.light.lit(scene.setting === 'forest' ? '#163d22' : '#2f5d3a', land.haze);
      ctx.beginPath();
      for (const [tx, layer, ts] of this.layout.trees) {
        if (layer !== i && !(scene.setting === 'forest')) continue;
        const h = H * land.pines * ts;
        for (let base = Math.floor(lo / period) * period; base < hi; base += period) {
          const x = base + tx * period + (layer * period) / 7;
          if (x < lo - h || x > hi + h) continue;
          const gy = y(x) + h * 0.15;
          ctx.moveTo(x, gy - h);
          ctx.lineTo(x - h * 0.28, gy);
          ctx.lineTo(x + h * 0.28, gy);
          ctx.closePath();
        }
      }
      ctx.fill();
    }
    if (scene.setting === 'desert' && i === 2) {
      for (let base = Math.floor(lo / period) * period; base < hi; base += period) {
        for (const [tx, , ts] of this.layout.trees.slice(0, 3)) this.cactus(base + (tx * 0.8 + 0.1) * period, H * 0.93, H * 0.12 * ts);
      }
    }
  }

  private cactus(x: number, y: number, h: number) {
    const { ctx } = this;
    ctx.strokeStyle = this.light.lit('#3f7d3a');
    ctx.lineCap = 'round';
    ctx.lineWidth = h * 0.16;
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x, y - h);
    ctx.moveTo(x, y - h * 0.45);
    ctx.lineTo(x - h * 0.3, y - h * 0.45);
    ctx.lineTo(x - h * 0.3, y - h * 0.75);
    ctx.moveTo(x, y - h * 0.6);
    ctx.lineTo(x + h * 0.28, y - h * 0.6);
    ctx.lineTo(x + h * 0.28, y - h * 0.85);
    ctx.stroke();
  }

  private sea(t: number, tc: number) {
    const { ctx, scene, W, H } = this;
    const horizon = H * 0.58;
    // A far coast for depth.
    const vf = this.view(0.1, tc);
    const [lo, hi] = this.span(vf);
    ctx.fillStyle = this.light.lit('#5f7f8f', 0.45);
    ctx.beginPath();
    ctx.moveTo(lo, horizon + 1);
    for (let x = lo; x <= hi + W / 40; x += W / 40) ctx.lineTo(x, horizon - H * 0.05 * ridgeHeight(this.layout.ridges[0], x / W / 2, false) * (x / W < 0.45 ? 1 : 0.3));
    ctx.lineTo(hi + W / 40, horizon + 1);
    ctx.fill();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    // Glitter under the sun or moon, and moving wave lines.
    const sx = W * this.layout.sunX;
    ctx.fillStyle = this.night ? 'rgba(230,235,255,0.35)' : scene.time === 'day' ? 'rgba(255,255,240,0.4)' : 'rgba(255,190,110,0.55)';
    for (let k = 0; k < 40; k++) {
      const yy = horizon + ((k + 0.5) / 40) ** 1.6 * (H - horizon);
      const w = (0.02 + (yy - horizon) / H * 0.25) * W * (0.6 + 0.4 * Math.sin(t * 3 + k * 1.7));
      ctx.fillRect(Math.round(sx - w / 2 + Math.sin(t * 2 + k) * W * 0.01), Math.round(yy), Math.round(w), Math.max(1, Math.round(H * 0.004)));
    }
    const v = cameraAt(scene.camera, tc, W, 0.6);
    ctx.strokeStyle = this.light.lit('#bfe3f5', 0, 0.35);
    ctx.lineWidth = Math.max(1, H / 400);
    ctx.beginPath();
    for (let k = 0; k < 60; k++) {
      const pr = this.layout.particles;
      const yy = horizon + pr[k * 3 + 1] ** 1.5 * (H - horizon);
      const len = W * (0.01 + 0.05 * ((yy - horizon) / (H - horizon)));
      // Whole pixels, as for the clouds: a line that has not moved a pixel is the same picture.
      const x = Math.round((((pr[k * 3] * W + v.dx + t * W * 0.01 * (k % 3)) % W) + W) % W);
      const y = Math.round(yy + Math.sin(t * 2 + k) * 2);
      ctx.moveTo(x, y);
      ctx.lineTo(x + Math.round(len), y);
    }
    ctx.stroke();
    if (scene.setting === 'beach') {
      const vb = this.view(0.8, tc);
      const [l2, h2] = this.span(vb);
      const sand = H * 0.82;
      const foam = Math.sin(t * 1.2) * H * 0.012;
      ctx.fillStyle = this.light.lit('#e9f5f8', 0, 0.8);
      ctx.fillRect(l2, sand - H * 0.012 + foam, h2 - l2, H * 0.02);
      ctx.fillStyle = this.light.lit('#e8cf9a');
      ctx.beginPath();
      ctx.moveTo(l2, H * 1.6);
      for (let x = l2; x <= h2 + W / 32; x += W / 32) ctx.lineTo(x, sand + foam * 0.5 + H * 0.02 * Math.sin(x / W * 5));
      ctx.lineTo(h2 + W / 32, H * 1.6);
      ctx.fill();
      this.palm(W * (0.1 + this.layout.sunX * 0.1) , H * 0.9, H * 0.42, t);
    }
  }

  private palm(x: number, y: number, h: number, t: number) {
    const { ctx } = this;
    ctx.strokeStyle = this.light.lit('#7b5b3a');
    ctx.lineWidth = h * 0.05;
    ctx.lineCap = 'round';
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.quadraticCurveTo(x + h * 0.05, y - h * 0.5, x + h * 0.2, y - h);
    ctx.stroke();
    ctx.strokeStyle = this.light.lit('#2e7d32');
    ctx.lineWidth = h * 0.04;
    const sway = Math.sin(t * 1.2) * 0.06;
    for (let k = 0; k < 7; k++) {
      const ang = -Math.PI * 0.95 + (k / 6) * Math.PI * 0.9 + sway;
      ctx.beginPath();
      ctx.moveTo(x + h * 0.2, y - h);
      ctx.quadraticCurveTo(x + h * 0.2 + Math.cos(ang) * h * 0.3, y - h + Math.sin(ang) * h * 0.3 - h * 0.05, x + h * 0.2 + Math.cos(ang) * h * 0.45, y - h + Math.sin(ang) * h * 0.18 + h * 0.12);
      ctx.stroke();
    }
  }

  /** One layer of buildings between world x `lo` and `hi`, in the current transform. */
  private buildings(layer: number, lo: number, hi: number) {
    const { ctx, W, H } = this;
    const lit = this.scene.time === 'night' || this.scene.time === 'dusk';
    const period = W * PERIOD;
    const body = this.light.lit(layer ? '#3b4252' : '#6b778a', layer ? 0 : 0.35);
    const win = lit ? 'rgba(255,214,120,0.9)' : this.light.lit('#a9c6e8', layer ? 0.1 : 0.4, 0.7);
    const wy = Math.max(4, H / 90);
    const wx = Math.max(3, W / 300);
    for (let base = Math.floor(lo / period) * period - period; base < hi; base += period) {
      for (const [bx, bh, bw, bl] of this.layout.buildings) {
        if (bl !== layer) continue;
        const x = base + bx * period;
        const w = bw * period * 0.75;
        if (x + w < lo || x > hi) continue;
        const top = H * (0.93 - bh);
        ctx.fillStyle = body;
        ctx.fillRect(x, top, w, H * 0.7);
        if (bh > 0.4 && layer === 0) ctx.fillRect(x + w * 0.45, top - H * 0.05, w * 0.06, H * 0.05);
        ctx.fillStyle = win;
        ctx.beginPath();
        const cols = Math.max(1, Math.floor((w - wx) / (wx * 2.4)));
        for (let yy = top + wy; yy < H * 0.92; yy += wy * 2) {
          for (let c = 0; c < cols; c++) {
            const on = (Math.floor(bx * 997) + c * 31 + Math.floor(yy) * 17) % 7 > (lit ? 2 : 4);
            if (on) ctx.rect(x + wx + c * wx * 2.4, yy, wx * 1.2, wy);
          }
        }
        ctx.fill();
      }
    }
  }

  private street(tc: number) {
    const { ctx, W, H } = this;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = this.light.lit('#2b2b30');
    ctx.fillRect(0, H * 0.925, W, H * 0.075);
    ctx.fillStyle = this.light.lit('#d8d8d8', 0, 0.8);
    const v = cameraAt(this.scene.camera, tc, W, 0.9);
    for (let x = ((v.dx % (W / 8)) + W / 8) % (W / 8) - W / 8; x < W; x += W / 8) ctx.fillRect(Math.round(x), H * 0.962, W / 20, H * 0.006);
  }

  private room(t: number) {
    const { ctx, W, H, scene } = this;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    // The window keeps the sky (already painted); the wall is drawn around it.
    const wx = W * 0.56;
    const wy = H * 0.1;
    const ww = W * 0.34;
    const wh = H * 0.4;
    ctx.fillStyle = this.light.lit(scene.colors[0] ?? '#d9c7a7');
    ctx.fillRect(0, 0, W, wy);
    ctx.fillRect(0, wy, wx, wh);
    ctx.fillRect(wx + ww, wy, W - wx - ww, wh);
    ctx.fillRect(0, wy + wh, W, H - wy - wh);
    ctx.strokeStyle = this.light.lit('#f5f0e6');
    ctx.lineWidth = W * 0.008;
    ctx.strokeRect(wx, wy, ww, wh);
    ctx.beginPath();
    ctx.moveTo(wx + ww / 2, wy);
    ctx.lineTo(wx + ww / 2, wy + wh);
    ctx.stroke();
    // Floor, desk, laptop, lamp, plant.
    ctx.fillStyle = this.light.lit('#8b5a3c');
    ctx.fillRect(0, H * 0.86, W, H * 0.14);
    ctx.fillStyle = this.light.lit('#6d4c41');
    ctx.fillRect(W * 0.12, H * 0.64, W * 0.62, H * 0.045);
    ctx.fillRect(W * 0.15, H * 0.68, W * 0.025, H * 0.2);
    ctx.fillRect(W * 0.69, H * 0.68, W * 0.025, H * 0.2);
    ctx.fillStyle = this.light.lit('#37474f');
    ctx.fillRect(W * 0.3, H * 0.47, W * 0.17, H * 0.16);
    ctx.fillRect(W * 0.28, H * 0.63, W * 0.21, H * 0.012);
    ctx.fillStyle = `rgba(90,200,255,${(0.75 + 0.1 * Math.sin(t * 2)).toFixed(2)})`;
    ctx.fillRect(W * 0.31, H * 0.48, W * 0.15, H * 0.14);
    ctx.fillStyle = this.light.lit('#263238');
    ctx.fillRect(W * 0.585, H * 0.45, W * 0.008, H * 0.19);
    ctx.beginPath();
    ctx.moveTo(W * 0.56, H * 0.46);
    ctx.lineTo(W * 0.62, H * 0.46);
    ctx.lineTo(W * 0.6, H * 0.4);
    ctx.lineTo(W * 0.58, H * 0.4);
    ctx.fill();
    if (scene.time !== 'day') {
      const g = ctx.createRadialGradient(W * 0.59, H * 0.62, 0, W * 0.59, H * 0.62, W * 0.25);
      g.addColorStop(0, 'rgba(255,220,150,0.45)');
      g.addColorStop(1, 'rgba(255,220,150,0)');
      ctx.fillStyle = g;
      ctx.fillRect(W * 0.3, H * 0.35, W * 0.6, H * 0.6);
    }
    ctx.fillStyle = this.light.lit('#a1664a');
    ctx.fillRect(W * 0.19, H * 0.57, W * 0.04, H * 0.07);
    ctx.fillStyle = this.light.lit('#43a047');
    for (let k = 0; k < 5; k++) {
      ctx.beginPath();
      ctx.ellipse(W * 0.21 + Math.sin(k * 1.3 + t * 0.8) * W * 0.02, H * 0.53 - k * H * 0.012, W * 0.012, H * 0.04, k - 2, 0, TAU);
      ctx.fill();
    }
  }
}
