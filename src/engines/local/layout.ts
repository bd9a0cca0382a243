// The composition: every random choice for a job, drawn once from the seed. Each part has its
// own random stream (seed + a label), so a remix that changes the weather or time of day keeps
// the subjects, ridges and clouds exactly where they were.
import { hash32, type Scene, type Subject } from './scene.js';
import { KINDS } from './subjects.js';

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const stream = (seed: number, label: string) => mulberry32(hash32(`${seed >>> 0}|${label}`));

export interface Actor {
  kind: string;
  color: string | null;
  index: number;
  count: number;
  x: number; // 0..1 position at t = 0
  y: number; // 0..1
  depth: number; // 0 far .. 1 near
  dir: 1 | -1;
  speed: number; // multiplier on the kind's speed
  phase: number;
  scale: number;
}

export interface Ridge {
  /** Sine components: frequency (cycles per screen width, integer so the ridge tiles), amplitude, phase. */
  waves: [number, number, number][];
}

export interface Layout {
  seed: number;
  ridges: Ridge[];
  sunX: number;
  stars: Float32Array; // x, y, brightness
  clouds: [number, number, number, number][]; // x, y, size, depth
  particles: Float32Array; // x, y, size (weather)
  buildings: [number, number, number, number][]; // x, height, width, layer
  trees: [number, number, number][]; // x, layer, size
  blobs: [number, number, number, number][]; // x, y, radius, hue shift
  lightning: [number, number][]; // start time, x
  actors: Actor[];
}

export function makeLayout(scene: Scene, seed: number): Layout {
  const ridges: Ridge[] = [0, 1, 2].map((i) => {
    const r = stream(seed, `ridge${i}`);
    return { waves: [1, 2, 3, 5, 8].map((f, k) => [f + Math.floor(r() * 2), (1 / (k + 1)) * (0.5 + r()), r() * Math.PI * 2] as [number, number, number]) };
  });
  const rs = stream(seed, 'stars');
  const stars = new Float32Array(260 * 3);
  for (let i = 0; i < stars.length; i += 3) {
    stars[i] = rs();
    stars[i + 1] = rs() * rs() * 0.8;
    stars[i + 2] = 0.25 + rs() * 0.75;
  }
  const rc = stream(seed, 'clouds');
  // Always twelve, so a weather change keeps the clouds in place; the backdrop shows some of them.
  const clouds = Array.from({ length: 12 }, () => [rc(), 0.04 + rc() * 0.3, 0.6 + rc() * 0.9, rc()] as [number, number, number, number]);
  const rp = stream(seed, 'particles');
  const particles = new Float32Array(420 * 3);
  for (let i = 0; i < particles.length; i += 3) {
    particles[i] = rp();
    particles[i + 1] = rp();
    particles[i + 2] = rp();
  }
  const rb = stream(seed, 'city');
  const buildings: Layout['buildings'] = [];
  for (let layer = 0; layer < 2; layer++) {
    for (let x = 0; x < 1; ) {
      const w = 0.025 + rb() * 0.04;
      buildings.push([x, (layer ? 0.18 : 0.3) + rb() * (layer ? 0.3 : 0.35), w, layer]);
      x += w * 0.75 + rb() * 0.01;
    }
  }
  const rt = stream(seed, 'trees');
  const trees = Array.from({ length: 70 }, () => [rt(), Math.floor(rt() * 3), 0.7 + rt() * 0.6] as [number, number, number]);
  const rbl = stream(seed, 'blobs');
  const blobs = Array.from({ length: 9 }, () => [rbl(), rbl(), 0.15 + rbl() * 0.35, rbl() * 120 - 60] as [number, number, number, number]);
  const rl = stream(seed, 'lightning');
  const lightning: [number, number][] = [];
  for (let t = 0.6 + rl() * 1.2; t < 130; t += 1.4 + rl() * 2.2) lightning.push([t, 0.1 + rl() * 0.8]);
  return {
    seed,
    ridges,
    sunX: 0.2 + stream(seed, 'sun')() * 0.6,
    stars,
    clouds,
    particles,
    buildings,
    trees,
    blobs,
    lightning,
    actors: scene.subjects.flatMap((s) => placeActors(s, seed)),
  };
}

/** Where one subject's instances start; drawn from a stream named after the kind, so it is stable. */
function placeActors(s: Subject, seed: number): Actor[] {
  const def = KINDS[s.kind];
  if (!def || def.zone === 'celestial' || def.zone === 'backdrop') {
    return def ? [{ kind: s.kind, color: s.color, index: 0, count: s.count, x: 0, y: 0, depth: 0, dir: 1, speed: 0, phase: 0, scale: 1 }] : [];
  }
  const r = stream(seed, `actor:${s.kind}`);
  const out: Actor[] = [];
  const spread = r();
  for (let i = 0; i < s.count; i++) {
    const dir: 1 | -1 = def.zone === 'fixed' ? 1 : r() < 0.5 ? -1 : 1;
    out.push({
      kind: s.kind,
      color: s.color,
      index: i,
      count: s.count,
      // Instances spread across the width (with jitter) so counts read at a glance.
      x: (spread + (i + 0.2 + r() * 0.6) / s.count) % 1,
      y: r(),
      depth: r(),
      dir,
      speed: 0.7 + r() * 0.6,
      phase: r() * Math.PI * 2,
      scale: 0.8 + r() * 0.4,
    });
  }
  return out;
}
