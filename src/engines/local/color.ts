// Colour arithmetic and the scene's light: every non-emissive colour passes through `Light.lit`
// so the same drawing code serves day, sunset and night.
import type { Scene, TimeOfDay } from './scene.js';

export type RGB = [number, number, number];

export function rgb(css: string): RGB {
  if (css.startsWith('#')) {
    const n = parseInt(css.length === 4 ? css.slice(1).replace(/./g, (c) => c + c) : css.slice(1, 7), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }
  const hsl = /^hsl\((\d+(?:\.\d+)?),\s*(\d+)%,\s*(\d+)%\)$/.exec(css);
  if (hsl) return hslToRgb(Number(hsl[1]), Number(hsl[2]) / 100, Number(hsl[3]) / 100);
  const m = /(\d+),\s*(\d+),\s*(\d+)/.exec(css);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [128, 128, 128];
}

export function hslToRgb(h: number, s: number, l: number): RGB {
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => Math.round(255 * (l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)))));
  return [f(0), f(8), f(4)];
}

export const css = (c: RGB, alpha = 1) =>
  alpha >= 1 ? `rgb(${c[0] | 0},${c[1] | 0},${c[2] | 0})` : `rgba(${c[0] | 0},${c[1] | 0},${c[2] | 0},${alpha.toFixed(3)})`;

export const mix = (a: RGB, b: RGB, f: number): RGB => [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];

/** Sky gradient stops (top, middle, horizon) per time of day. */
export const SKY: Record<TimeOfDay, [string, string, string]> = {
  dawn: ['#2b3a6b', '#c97a8c', '#ffc48a'],
  day: ['#2a6fd1', '#6fa8e8', '#cfe8f7'],
  sunset: ['#2a1b4d', '#c2456b', '#ffa04a'],
  dusk: ['#0f1638', '#3b3a72', '#b26f7e'],
  night: ['#02040c', '#0a1230', '#1b2a52'],
};

const LIGHT: Record<TimeOfDay, { level: number; tint: RGB; amount: number }> = {
  dawn: { level: 0.85, tint: [255, 170, 140], amount: 0.18 },
  day: { level: 1, tint: [255, 255, 255], amount: 0 },
  sunset: { level: 0.78, tint: [255, 120, 60], amount: 0.25 },
  dusk: { level: 0.5, tint: [90, 80, 160], amount: 0.3 },
  night: { level: 0.3, tint: [40, 60, 130], amount: 0.35 },
};

export class Light {
  private readonly cache = new Map<string, string>();
  readonly level: number;
  private readonly tint: RGB;
  private readonly amount: number;
  readonly horizon: RGB;

  /** `floor`: the least light a surface gets (subjects stay readable at night). */
  constructor(scene: Scene, floor = 0) {
    const l = LIGHT[scene.time];
    const storm = scene.weather === 'storm' ? 0.6 : scene.weather === 'rain' || scene.weather === 'fog' ? 0.85 : 1;
    this.level = Math.max(floor, l.level * storm);
    this.tint = l.tint;
    this.amount = l.amount;
    this.horizon = rgb(SKY[scene.time][2]);
  }

  /** A surface colour under this light; `haze` (0..1) fades it toward the horizon for distance. */
  lit(color: string, haze = 0, alpha = 1): string {
    const key = `${color}|${haze}|${alpha}`;
    let out = this.cache.get(key);
    if (!out) {
      let c = rgb(color);
      c = mix(c, this.tint, this.amount);
      c = [c[0] * this.level, c[1] * this.level, c[2] * this.level];
      if (haze > 0) c = mix(c, this.horizon, haze);
      out = css(c, alpha);
      this.cache.set(key, out);
    }
    return out;
  }
}
