// The subjects: one vector drawing and one way of moving per kind. Drawings use unit
// coordinates (1 = the subject's size in pixels), facing right; the painter places, scales
// and mirrors them.
import type { SKRSContext2D } from '@napi-rs/canvas';
import type { Actor } from './layout.js';

export interface Paint {
  /** A surface colour under the scene's light. */
  lit(color: string, haze?: number, alpha?: number): string;
  night: boolean;
  /** The actor's colour: named in the prompt, else one from the prompt's palette. */
  color: string;
  wind: number;
}

/**
 * air: flies across the sky; rise: drifts upward; fall: drifts down; ground: walks or drives
 * along the ground; water: sails or swims at the waterline; fixed: stands still on the ground;
 * celestial and backdrop: drawn by the backdrop (sun, moon, planet, stars, clouds).
 */
export type Zone = 'air' | 'rise' | 'fall' | 'ground' | 'water' | 'fixed' | 'burst' | 'celestial' | 'backdrop';

export interface KindDef {
  zone: Zone;
  /** Height of the drawing as a fraction of the frame's shorter side. */
  size: number;
  /** Screen widths (or heights) per second. */
  speed: number;
  /** Colour when the prompt names none; null means the prompt's palette. */
  color: string | null;
  draw(ctx: SKRSContext2D, a: Actor, t: number, p: Paint): void;
}

const TAU = Math.PI * 2;

function poly(ctx: SKRSContext2D, pts: number[], fill: string) {
  ctx.fillStyle = fill;
  ctx.beginPath();
  ctx.moveTo(pts[0], pts[1]);
  for (let i = 2; i < pts.length; i += 2) ctx.lineTo(pts[i], pts[i + 1]);
  ctx.closePath();
  ctx.fill();
}

function circle(ctx: SKRSContext2D, x: number, y: number, r: number, fill: string) {
  ctx.fillStyle = fill;
  ctx.beginPath();
  ctx.arc(x, y, r, 0, TAU);
  ctx.fill();
}

function line(ctx: SKRSContext2D, pts: number[], stroke: string, width: number) {
  ctx.strokeStyle = stroke;
  ctx.lineWidth = width;
  ctx.lineCap = 'round';
  ctx.beginPath();
  ctx.moveTo(pts[0], pts[1]);
  for (let i = 2; i < pts.length; i += 2) ctx.lineTo(pts[i], pts[i + 1]);
  ctx.stroke();
}

function wheel(ctx: SKRSContext2D, x: number, y: number, r: number, spin: number, p: Paint) {
  circle(ctx, x, y, r, p.lit('#1d1d1d'));
  circle(ctx, x, y, r * 0.45, p.lit('#9e9e9e'));
  const s = Math.sin(spin) * r * 0.8;
  const c = Math.cos(spin) * r * 0.8;
  line(ctx, [x - c, y - s, x + c, y + s], p.lit('#616161'), r * 0.15);
}

/** A walking or trotting four-legged animal: body length 1, legs swing with `t`. */
function quadruped(ctx: SKRSContext2D, t: number, p: Paint, o: { body: string; leg: number; neck: number; head: number; tail: number; ears: boolean; mane?: string; rate: number }) {
  const c = p.lit(o.body);
  const swing = Math.sin(t * o.rate) * 0.18;
  const lw = 0.09;
  line(ctx, [-0.32, -0.05, -0.32 + swing, o.leg], c, lw);
  line(ctx, [-0.22, -0.05, -0.22 - swing, o.leg], c, lw);
  line(ctx, [0.28, -0.05, 0.28 - swing, o.leg], c, lw);
  line(ctx, [0.38, -0.05, 0.38 + swing, o.leg], c, lw);
  ctx.fillStyle = c;
  ctx.beginPath();
  ctx.ellipse(0, -0.1, 0.48, 0.17, 0, 0, TAU);
  ctx.fill();
  line(ctx, [0.38, -0.15, 0.5, -0.15 - o.neck], c, 0.13);
  ctx.beginPath();
  ctx.ellipse(0.5 + o.head * 0.5, -0.17 - o.neck, o.head, o.head * 0.55, 0.25, 0, TAU);
  ctx.fill();
  if (o.ears) poly(ctx, [0.46, -0.2 - o.neck, 0.5, -0.34 - o.neck, 0.56, -0.21 - o.neck], c);
  if (o.mane) line(ctx, [0.36, -0.2, 0.47, -0.13 - o.neck], p.lit(o.mane), 0.07);
  const wag = Math.sin(t * o.rate * 1.5) * 0.08;
  line(ctx, [-0.46, -0.14, -0.6, -0.14 - o.tail + wag], c, 0.06);
  circle(ctx, 0.5 + o.head * 1.1, -0.2 - o.neck, 0.022, '#111');
}

export const KINDS: Record<string, KindDef> = {
  paper_airplane: {
    zone: 'air', size: 0.09, speed: 0.09, color: '#f5f5f5',
    draw(ctx, a, t, p) {
      ctx.rotate(Math.sin(t * 1.3 + a.phase) * 0.12);
      poly(ctx, [1, 0, -0.9, -0.45, -0.45, 0], p.lit(p.color));
      poly(ctx, [1, 0, -0.45, 0, -0.9, 0.3], p.lit(p.color, 0.25));
      line(ctx, [1, 0, -0.6, 0.1], p.lit('#9e9e9e'), 0.03);
    },
  },
  airplane: {
    zone: 'air', size: 0.09, speed: 0.08, color: '#eceff1',
    draw(ctx, a, t, p) {
      const g = ctx.createLinearGradient(-9, 0, -1, 0);
      g.addColorStop(0, 'rgba(255,255,255,0)');
      g.addColorStop(1, p.lit('#ffffff', 0, 0.5));
      ctx.fillStyle = g;
      ctx.fillRect(-9, -0.08, 8, 0.12);
      poly(ctx, [0.1, 0, -0.45, -0.95, -0.2, -0.95, 0.45, 0], p.lit(p.color, 0.15));
      ctx.fillStyle = p.lit(p.color);
      ctx.beginPath();
      ctx.ellipse(0, 0, 1.1, 0.17, 0, 0, TAU);
      ctx.fill();
      poly(ctx, [-0.85, 0, -1.15, -0.55, -0.95, -0.55, -0.65, 0], p.lit(p.color));
      poly(ctx, [0.1, 0.05, -0.35, 0.7, -0.12, 0.7, 0.45, 0.05], p.lit(p.color, 0.05));
      ctx.fillStyle = p.night ? '#ffe9a8' : p.lit('#37474f');
      for (let i = 0; i < 7; i++) ctx.fillRect(0.55 - i * 0.2, -0.06, 0.08, 0.06);
      if (p.night && Math.sin(t * 6) > 0.6) circle(ctx, -0.3, 0.7, 0.07, '#ff5252');
    },
  },
  birds: {
    zone: 'air', size: 0.045, speed: 0.1, color: '#263238',
    draw(ctx, a, t, p) {
      const flap = Math.sin(t * 9 + a.index * 0.7) * 0.55;
      ctx.strokeStyle = p.lit(p.color);
      ctx.lineWidth = 0.16;
      ctx.lineJoin = 'round';
      ctx.beginPath();
      ctx.moveTo(-0.9, -flap);
      ctx.quadraticCurveTo(-0.4, -0.25 - flap * 0.4, 0, 0.05);
      ctx.quadraticCurveTo(0.4, -0.25 - flap * 0.4, 0.9, -flap);
      ctx.stroke();
    },
  },
  balloon: {
    zone: 'rise', size: 0.1, speed: 0.035, color: null,
    draw(ctx, a, t, p) {
      ctx.rotate(Math.sin(t * 0.9 + a.phase) * 0.08);
      line(ctx, [0, 0.75, Math.sin(t * 2 + a.phase) * 0.12, 1.35, 0, 1.9], p.lit('#eeeeee', 0, 0.8), 0.03);
      ctx.fillStyle = p.lit(p.color);
      ctx.beginPath();
      ctx.ellipse(0, 0, 0.55, 0.7, 0, 0, TAU);
      ctx.fill();
      poly(ctx, [-0.08, 0.72, 0.08, 0.72, 0, 0.64], p.lit(p.color));
      ctx.fillStyle = 'rgba(255,255,255,0.45)';
      ctx.beginPath();
      ctx.ellipse(-0.2, -0.28, 0.12, 0.22, 0.5, 0, TAU);
      ctx.fill();
    },
  },
  hot_air_balloon: {
    zone: 'rise', size: 0.2, speed: 0.015, color: null,
    draw(ctx, a, t, p) {
      ctx.rotate(Math.sin(t * 0.6 + a.phase) * 0.04);
      line(ctx, [-0.5, 0.3, -0.15, 0.95, 0.5, 0.3, 0.15, 0.95], p.lit('#5d4037'), 0.03);
      ctx.fillStyle = p.lit('#8d6e63');
      ctx.fillRect(-0.17, 0.92, 0.34, 0.25);
      const stripes = [p.color, '#fdd835', p.color, '#f5f5f5', p.color];
      for (let i = 0; i < 5; i++) {
        ctx.fillStyle = p.lit(stripes[i]);
        ctx.beginPath();
        ctx.moveTo(-0.3 + i * 0.12, 0.62);
        ctx.bezierCurveTo(-0.9 + i * 0.36, 0.1, -1.15 + i * 0.55, -1.05, 0, -1.05);
        ctx.bezierCurveTo(-0.9 + (i + 1) * 0.36, -1.05, -0.9 + (i + 1) * 0.36, 0.1, -0.3 + (i + 1) * 0.12, 0.62);
        ctx.fill();
      }
      if (Math.sin(t * 1.7 + a.phase) > 0.7) circle(ctx, 0, 0.8, 0.08, '#ffb300');
    },
  },
  car: {
    zone: 'ground', size: 0.09, speed: 0.12, color: null,
    draw(ctx, a, t, p) {
      const spin = t * 12;
      poly(ctx, [-1, -0.05, -0.95, -0.45, 0.95, -0.45, 1.05, -0.1, 1.05, 0.2, -1, 0.2], p.lit(p.color));
      poly(ctx, [-0.55, -0.45, -0.35, -0.85, 0.35, -0.85, 0.6, -0.45], p.lit(p.color, 0.1));
      poly(ctx, [-0.45, -0.47, -0.3, -0.77, -0.03, -0.77, -0.03, -0.47], p.lit('#b3e5fc'));
      poly(ctx, [0.05, -0.47, 0.05, -0.77, 0.3, -0.77, 0.48, -0.47], p.lit('#b3e5fc'));
      wheel(ctx, -0.6, 0.22, 0.24, spin, p);
      wheel(ctx, 0.62, 0.22, 0.24, spin, p);
      if (p.night) {
        const g = ctx.createLinearGradient(1, 0, 3, 0);
        g.addColorStop(0, 'rgba(255,244,200,0.8)');
        g.addColorStop(1, 'rgba(255,244,200,0)');
        poly(ctx, [1.02, -0.2, 3, -0.5, 3, 0.35], g as unknown as string);
        circle(ctx, -1, -0.15, 0.07, '#ff1744');
      }
    },
  },
  train: {
    zone: 'ground', size: 0.1, speed: 0.14, color: '#c62828',
    draw(ctx, a, t, p) {
      for (let k = 0; k < 4; k++) {
        const x0 = -1.3 - k * 2.3;
        ctx.fillStyle = p.lit(k === 0 ? p.color : '#455a64');
        ctx.fillRect(x0 - 1, -0.9, 2.2, 1.0);
        ctx.fillStyle = p.night ? '#ffe082' : p.lit('#b3e5fc');
        for (let w = 0; w < 4; w++) ctx.fillRect(x0 - 0.85 + w * 0.5, -0.75, 0.3, 0.3);
        wheel(ctx, x0 - 0.6, 0.15, 0.17, t * 14, p);
        wheel(ctx, x0 + 0.8, 0.15, 0.17, t * 14, p);
      }
      poly(ctx, [0.9, 0.1, 0.9, -0.9, 1.5, -0.9, 1.8, -0.3, 1.8, 0.1], p.lit(p.color));
      ctx.fillStyle = p.lit('#37474f');
      ctx.fillRect(1.15, -1.3, 0.22, 0.4);
      for (let k = 0; k < 4; k++) {
        const age = (t * 1.5 + k / 4) % 1;
        circle(ctx, 1.25 - age * 2.5, -1.4 - age * 1.2, 0.15 + age * 0.35, `rgba(230,230,230,${(0.6 * (1 - age)).toFixed(3)})`);
      }
      line(ctx, [-12, 0.32, 2.5, 0.32], p.lit('#5d4037'), 0.06);
    },
  },
  sailboat: {
    zone: 'water', size: 0.16, speed: 0.03, color: '#f5f5f5',
    draw(ctx, a, t, p) {
      ctx.rotate(Math.sin(t * 1.4 + a.phase) * 0.06);
      poly(ctx, [-0.9, 0, 0.95, 0, 0.65, 0.3, -0.7, 0.3], p.lit('#5d4037'));
      line(ctx, [0, 0, 0, -1.5], p.lit('#3e2723'), 0.05);
      poly(ctx, [0.05, -1.45, 0.75, -0.12, 0.05, -0.12], p.lit(p.color));
      poly(ctx, [-0.05, -1.2, -0.05, -0.12, -0.65, -0.12], p.lit(p.color, 0.2));
    },
  },
  boat: {
    zone: 'water', size: 0.12, speed: 0.04, color: '#d32f2f',
    draw(ctx, a, t, p) {
      ctx.rotate(Math.sin(t * 1.2 + a.phase) * 0.05);
      poly(ctx, [-1.2, -0.2, 1.3, -0.2, 0.95, 0.35, -1.0, 0.35], p.lit(p.color));
      ctx.fillStyle = p.lit('#eceff1');
      ctx.fillRect(-0.6, -0.7, 1.1, 0.5);
      ctx.fillStyle = p.night ? '#ffe082' : p.lit('#455a64');
      for (let w = 0; w < 4; w++) ctx.fillRect(-0.5 + w * 0.25, -0.58, 0.12, 0.15);
      ctx.fillStyle = p.lit('#37474f');
      ctx.fillRect(0.1, -1.05, 0.2, 0.35);
    },
  },
  fish: {
    zone: 'water', size: 0.05, speed: 0.06, color: '#ff9800',
    draw(ctx, a, t, p) {
      // Leaps out of the water now and then.
      const cycle = (t * 0.45 + a.phase) % 3;
      if (cycle < 1) {
        ctx.translate(0, -Math.sin(cycle * Math.PI) * 3.5);
        ctx.rotate((cycle - 0.5) * 1.6);
      } else {
        ctx.globalAlpha *= 0.35;
      }
      ctx.fillStyle = p.lit(p.color);
      ctx.beginPath();
      ctx.ellipse(0, 0, 0.6, 0.28, 0, 0, TAU);
      ctx.fill();
      poly(ctx, [-0.5, 0, -0.95, -0.32 + Math.sin(t * 10) * 0.1, -0.95, 0.32 + Math.sin(t * 10) * 0.1], p.lit(p.color));
      circle(ctx, 0.35, -0.06, 0.06, '#111');
    },
  },
  whale: {
    zone: 'water', size: 0.22, speed: 0.012, color: '#546e7a',
    draw(ctx, a, t, p) {
      const breathe = (t * 0.25 + a.phase) % 2;
      const rise = breathe < 1 ? Math.sin(breathe * Math.PI) : 0;
      ctx.translate(0, 0.35 - rise * 0.45);
      ctx.fillStyle = p.lit(p.color);
      ctx.beginPath();
      ctx.moveTo(1.2, 0);
      ctx.bezierCurveTo(1.2, -0.6, -0.6, -0.65, -1.3, -0.05);
      ctx.lineTo(-1.2, 0.15);
      ctx.bezierCurveTo(-0.4, 0.35, 0.9, 0.45, 1.2, 0);
      ctx.fill();
      poly(ctx, [-1.25, 0, -1.7, -0.45, -1.5, -0.05, -1.75, 0.3], p.lit(p.color));
      circle(ctx, 0.85, -0.08, 0.05, '#111');
      if (rise > 0.6) {
        for (let k = 0; k < 6; k++) {
          const ang = -Math.PI / 2 + (k - 2.5) * 0.22;
          line(ctx, [0.6, -0.45, 0.6 + Math.cos(ang) * 0.6 * rise, -0.45 + Math.sin(ang) * 0.9 * rise], 'rgba(220,240,255,0.8)', 0.05);
        }
      }
    },
  },
  butterfly: {
    zone: 'air', size: 0.06, speed: 0.05, color: null,
    draw(ctx, a, t, p) {
      // Seen from above: wings beat by narrowing sideways.
      ctx.translate(0, Math.sin(t * 3 + a.phase) * 0.6);
      ctx.rotate(Math.PI / 2 + Math.sin(t * 1.7 + a.phase) * 0.3);
      const open = 0.2 + 0.8 * Math.abs(Math.sin(t * 11 + a.phase));
      ctx.save();
      ctx.scale(open, 1);
      for (const s of [-1, 1]) {
        ctx.fillStyle = p.lit(p.color);
        ctx.beginPath();
        ctx.ellipse(s * 0.5, -0.25, 0.5, 0.42, s * 0.4, 0, TAU);
        ctx.fill();
        ctx.fillStyle = p.lit(p.color, 0.3);
        ctx.beginPath();
        ctx.ellipse(s * 0.38, 0.3, 0.32, 0.3, -s * 0.4, 0, TAU);
        ctx.fill();
        circle(ctx, s * 0.55, -0.3, 0.1, p.lit('#fafafa'));
      }
      ctx.restore();
      line(ctx, [0, -0.5, 0, 0.55], p.lit('#212121'), 0.12);
      line(ctx, [0, -0.5, -0.2, -0.85], p.lit('#212121'), 0.04);
      line(ctx, [0, -0.5, 0.2, -0.85], p.lit('#212121'), 0.04);
    },
  },
  kite: {
    zone: 'air', size: 0.1, speed: 0, color: null,
    draw(ctx, a, t, p) {
      const sway = Math.sin(t * 1.1 + a.phase) * 0.2 * (1 + p.wind);
      ctx.rotate(sway);
      line(ctx, [0, 1.1, -2 + Math.sin(t) * 0.3, 4, -3, 9], p.lit('#eeeeee', 0, 0.7), 0.03);
      poly(ctx, [0, -1, 0.65, -0.15, 0, 1.1, -0.65, -0.15], p.lit(p.color));
      poly(ctx, [0, -1, 0.65, -0.15, 0, -0.15], p.lit('#fdd835'));
      poly(ctx, [0, 1.1, -0.65, -0.15, 0, -0.15], p.lit('#fdd835'));
      for (let k = 1; k < 5; k++) {
        const x = Math.sin(t * 3 + k) * 0.2 * k;
        poly(ctx, [x - 0.12, 1.1 + k * 0.4, x + 0.12, 1.2 + k * 0.4, x - 0.12, 1.3 + k * 0.4, x + 0.12, 1.2 + k * 0.4], p.lit('#e53935'));
      }
    },
  },
  rocket: {
    zone: 'rise', size: 0.13, speed: 0.12, color: '#eceff1',
    draw(ctx, a, t, p) {
      for (let k = 0; k < 8; k++) {
        const age = (t * 2 + k / 8) % 1;
        circle(ctx, Math.sin(k * 3.1) * 0.2 * age, 1.0 + age * 3, 0.2 + age * 0.6, `rgba(200,200,200,${(0.5 * (1 - age)).toFixed(3)})`);
      }
      const f = 0.8 + Math.sin(t * 30) * 0.2;
      poly(ctx, [-0.2, 0.75, 0, 0.75 + f * 1.1, 0.2, 0.75], '#ffb300');
      poly(ctx, [-0.1, 0.75, 0, 0.75 + f * 0.6, 0.1, 0.75], '#fff59d');
      ctx.fillStyle = p.lit(p.color);
      ctx.beginPath();
      ctx.moveTo(0, -1.1);
      ctx.quadraticCurveTo(0.35, -0.6, 0.28, 0.75);
      ctx.lineTo(-0.28, 0.75);
      ctx.quadraticCurveTo(-0.35, -0.6, 0, -1.1);
      ctx.fill();
      poly(ctx, [0.26, 0.25, 0.55, 0.85, 0.26, 0.75], p.lit('#e53935'));
      poly(ctx, [-0.26, 0.25, -0.55, 0.85, -0.26, 0.75], p.lit('#e53935'));
      circle(ctx, 0, -0.3, 0.12, p.lit('#4fc3f7'));
    },
  },
  satellite: {
    zone: 'air', size: 0.09, speed: 0.025, color: '#ffd54f',
    draw(ctx, a, t, p) {
      ctx.rotate(t * 0.3 + a.phase);
      ctx.fillStyle = p.lit('#1565c0');
      for (const s of [-1, 1]) {
        ctx.fillRect(s > 0 ? 0.35 : -1.55, -0.25, 1.2, 0.5);
        line(ctx, [s * 0.2, 0, s * 0.35, 0], p.lit('#9e9e9e'), 0.06);
      }
      ctx.fillStyle = p.lit(p.color);
      ctx.fillRect(-0.3, -0.35, 0.6, 0.7);
      line(ctx, [0, -0.35, 0, -0.75], p.lit('#cfd8dc'), 0.05);
      circle(ctx, 0, -0.8, 0.1, Math.sin(t * 4) > 0 ? '#ff5252' : p.lit('#cfd8dc'));
    },
  },
  lighthouse: {
    zone: 'fixed', size: 0.42, speed: 0, color: '#e53935',
    draw(ctx, a, t, p) {
      const beam = t * 1.2 + a.phase;
      if (p.night || Math.cos(beam) > 0) {
        const len = 6 * Math.abs(Math.cos(beam));
        const dirn = Math.cos(beam) > 0 ? 1 : -1;
        const g = ctx.createLinearGradient(0, 0, dirn * len, 0);
        g.addColorStop(0, `rgba(255,250,200,${p.night ? 0.55 : 0.25})`);
        g.addColorStop(1, 'rgba(255,250,200,0)');
        poly(ctx, [0, -0.92, dirn * len, -0.92 - len * 0.12, dirn * len, -0.92 + len * 0.12], g as unknown as string);
      }
      poly(ctx, [-0.16, 0, -0.1, -0.8, 0.1, -0.8, 0.16, 0], p.lit('#fafafa'));
      for (let k = 0; k < 3; k++) {
        const y0 = -0.13 - k * 0.26;
        const w0 = 0.16 - (k * 0.26 + 0.13) * 0.075;
        poly(ctx, [-w0, y0, w0, y0, w0 - 0.01, y0 - 0.12, -w0 + 0.01, y0 - 0.12], p.lit(p.color));
      }
      ctx.fillStyle = p.lit('#37474f');
      ctx.fillRect(-0.14, -0.84, 0.28, 0.05);
      ctx.fillStyle = p.night ? '#fff59d' : p.lit('#fff9c4');
      ctx.fillRect(-0.08, -1.0, 0.16, 0.16);
      poly(ctx, [-0.12, -1.0, 0, -1.12, 0.12, -1.0], p.lit('#37474f'));
    },
  },
  tree: {
    zone: 'fixed', size: 0.32, speed: 0, color: '#2e7d32',
    draw(ctx, a, t, p) {
      const sway = Math.sin(t * 1.3 + a.phase) * 0.03 * (1 + 3 * p.wind);
      ctx.fillStyle = p.lit('#5d4037');
      ctx.fillRect(-0.06, -0.45, 0.12, 0.45);
      ctx.rotate(sway);
      for (const [x, y, r, h] of [[0, -0.75, 0.32, 0], [-0.22, -0.55, 0.24, 0.1], [0.22, -0.55, 0.24, 0.15], [0.05, -0.98, 0.22, 0.05]]) {
        circle(ctx, x, y, r, p.lit(p.color, h));
      }
    },
  },
  house: {
    zone: 'fixed', size: 0.26, speed: 0, color: '#ffcc80',
    draw(ctx, a, t, p) {
      ctx.fillStyle = p.lit(p.color);
      ctx.fillRect(-0.6, -0.6, 1.2, 0.6);
      poly(ctx, [-0.72, -0.58, 0, -1.1, 0.72, -0.58], p.lit('#8d3b2b'));
      ctx.fillStyle = p.lit('#6d4c41');
      ctx.fillRect(-0.1, -0.35, 0.22, 0.35);
      ctx.fillStyle = p.night ? '#ffd54f' : p.lit('#90caf9');
      ctx.fillRect(-0.45, -0.45, 0.22, 0.18);
      ctx.fillRect(0.25, -0.45, 0.22, 0.18);
      ctx.fillStyle = p.lit('#6d4c41');
      ctx.fillRect(0.3, -1.0, 0.14, 0.3);
      for (let k = 0; k < 4; k++) {
        const age = (t * 0.35 + k / 4 + a.phase) % 1;
        circle(ctx, 0.37 + age * (0.4 + p.wind), -1.1 - age * 0.8, 0.06 + age * 0.16, `rgba(220,220,220,${(0.5 * (1 - age)).toFixed(3)})`);
      }
    },
  },
  person: {
    zone: 'ground', size: 0.16, speed: 0.025, color: '#1565c0',
    draw(ctx, a, t, p) {
      const s = Math.sin(t * 6 + a.phase) * 0.35;
      const skin = p.lit('#f1c27d');
      const legs = p.lit('#37474f');
      line(ctx, [0, -0.45, Math.sin(s) * 0.45, -0.45 + Math.cos(s) * 0.45], legs, 0.11);
      line(ctx, [0, -0.45, -Math.sin(s) * 0.45, -0.45 + Math.cos(s) * 0.45], legs, 0.11);
      line(ctx, [0, -0.5, 0, -0.95], p.lit(p.color), 0.2);
      line(ctx, [0, -0.9, -Math.sin(s) * 0.35, -0.9 + Math.cos(s) * 0.38], p.lit(p.color, 0.1), 0.08);
      line(ctx, [0, -0.9, Math.sin(s) * 0.35, -0.9 + Math.cos(s) * 0.38], p.lit(p.color, 0.1), 0.08);
      circle(ctx, 0.02, -1.1, 0.12, skin);
    },
  },
  dog: {
    zone: 'ground', size: 0.09, speed: 0.04, color: '#a1887f',
    draw(ctx, a, t, p) {
      ctx.translate(0, -0.3);
      quadruped(ctx, t + a.phase, p, { body: p.color, leg: 0.3, neck: 0.12, head: 0.14, tail: 0.15, ears: true, rate: 9 });
    },
  },
  cat: {
    zone: 'ground', size: 0.075, speed: 0.02, color: '#616161',
    draw(ctx, a, t, p) {
      ctx.translate(0, -0.3);
      quadruped(ctx, t + a.phase, p, { body: p.color, leg: 0.28, neck: 0.08, head: 0.12, tail: 0.35, ears: true, rate: 7 });
      poly(ctx, [0.6, -0.33, 0.64, -0.45, 0.68, -0.32], p.lit(p.color));
    },
  },
  horse: {
    zone: 'ground', size: 0.2, speed: 0.07, color: '#6d4c41',
    draw(ctx, a, t, p) {
      ctx.translate(0, -0.5);
      quadruped(ctx, t + a.phase, p, { body: p.color, leg: 0.5, neck: 0.25, head: 0.13, tail: 0.05, ears: true, mane: '#3e2723', rate: 8 });
    },
  },
  bicycle: {
    zone: 'ground', size: 0.13, speed: 0.07, color: '#00897b',
    draw(ctx, a, t, p) {
      const spin = t * 10;
      wheel(ctx, -0.5, -0.3, 0.3, spin, p);
      wheel(ctx, 0.5, -0.3, 0.3, spin, p);
      line(ctx, [-0.5, -0.3, -0.1, -0.3, 0.3, -0.7, -0.2, -0.7, -0.1, -0.3], p.lit(p.color), 0.06);
      line(ctx, [0.3, -0.7, 0.5, -0.3], p.lit(p.color), 0.06);
      const pedal = Math.sin(spin * 0.5) * 0.15;
      line(ctx, [-0.2, -0.75, -0.05, -1.2], p.lit('#1e88e5'), 0.14);
      line(ctx, [-0.2, -0.75, -0.1 + pedal, -0.3], p.lit('#37474f'), 0.08);
      line(ctx, [-0.05, -1.15, 0.3, -0.75], p.lit('#1e88e5'), 0.07);
      circle(ctx, 0, -1.35, 0.12, p.lit('#f1c27d'));
    },
  },
  drone: {
    zone: 'air', size: 0.07, speed: 0.02, color: '#37474f',
    draw(ctx, a, t, p) {
      ctx.translate(0, Math.sin(t * 2.2 + a.phase) * 0.5);
      ctx.rotate(Math.sin(t * 0.8 + a.phase) * 0.08);
      line(ctx, [-0.9, -0.1, 0.9, -0.1], p.lit(p.color), 0.1);
      ctx.fillStyle = p.lit(p.color);
      ctx.fillRect(-0.35, -0.2, 0.7, 0.32);
      for (const x of [-0.9, 0.9]) {
        ctx.fillStyle = 'rgba(200,200,200,0.5)';
        ctx.beginPath();
        ctx.ellipse(x, -0.25, 0.45 * Math.abs(Math.sin(t * 40 + x)), 0.06, 0, 0, TAU);
        ctx.fill();
      }
      circle(ctx, 0, 0.15, 0.09, Math.sin(t * 5) > 0 ? '#76ff03' : p.lit('#263238'));
    },
  },
  leaves: {
    zone: 'fall', size: 0.035, speed: 0.07, color: null,
    draw(ctx, a, t, p) {
      ctx.rotate(t * 2 + a.phase);
      ctx.scale(1, 0.4 + 0.6 * Math.abs(Math.sin(t * 3 + a.phase)));
      const autumn = ['#d84315', '#ef6c00', '#f9a825', '#8d6e63', '#c62828'];
      ctx.fillStyle = p.lit(a.color ?? autumn[a.index % autumn.length]);
      ctx.beginPath();
      ctx.moveTo(-0.8, 0);
      ctx.quadraticCurveTo(0, -0.7, 0.8, 0);
      ctx.quadraticCurveTo(0, 0.7, -0.8, 0);
      ctx.fill();
    },
  },
  fireworks: {
    zone: 'burst', size: 0.22, speed: 0, color: null,
    draw(ctx, a, t, p) {
      const period = 2.2;
      const k = Math.floor((t + a.phase) / period);
      const age = ((t + a.phase) % period) / period;
      ctx.translate(Math.sin(k * 12.9898 + a.index) * 0.8, Math.cos(k * 78.233 + a.index) * 0.5);
      const hue = (k * 67 + a.index * 120) % 360;
      if (age < 0.2) {
        line(ctx, [0, 6 * (1 - age / 0.2), 0, 6 * (1 - age / 0.2) + 0.6], `hsl(${hue},100%,80%)`, 0.06);
        return;
      }
      const e = (age - 0.2) / 0.8;
      const r = Math.sqrt(e) * 1.3;
      const color = a.color ?? `hsl(${hue},100%,65%)`;
      const fade = Math.max(0, 1 - e);
      ctx.globalAlpha *= fade;
      ctx.strokeStyle = color;
      ctx.lineWidth = 0.035;
      ctx.lineCap = 'round';
      ctx.beginPath();
      for (let i = 0; i < 36; i++) {
        const ang = (i / 36) * TAU + k;
        const drop = e * e * 0.5;
        ctx.moveTo(Math.cos(ang) * r * 0.6, Math.sin(ang) * r * 0.6 + drop * 0.6);
        ctx.lineTo(Math.cos(ang) * r, Math.sin(ang) * r + drop);
      }
      ctx.stroke();
      const g = ctx.createRadialGradient(0, 0, 0, 0, 0, r * 1.2);
      g.addColorStop(0, `hsla(${hue},100%,80%,0.35)`);
      g.addColorStop(1, `hsla(${hue},100%,60%,0)`);
      ctx.fillStyle = g;
      ctx.fillRect(-r * 1.2, -r * 1.2, r * 2.4, r * 2.4);
      ctx.globalAlpha = 1;
    },
  },
  // Drawn by the backdrop; listed so the grammar and layout know them.
  sun: { zone: 'celestial', size: 0, speed: 0, color: null, draw() {} },
  moon: { zone: 'celestial', size: 0, speed: 0, color: null, draw() {} },
  planet: { zone: 'celestial', size: 0, speed: 0, color: null, draw() {} },
  stars: { zone: 'backdrop', size: 0, speed: 0, color: null, draw() {} },
  clouds: { zone: 'backdrop', size: 0, speed: 0, color: null, draw() {} },
};
