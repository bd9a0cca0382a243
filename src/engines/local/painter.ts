// Paints one frame of a scene at time t. All randomness comes from the layout, made once per job
// from the seed, so the same inputs give the same frames.
import type { SKRSContext2D, Image } from '@napi-rs/canvas';
import type { Scene, Subject } from './scene.js';

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

interface Actor {
  subject: Subject;
  x: number; // 0..1 start
  y: number; // 0..1
  vx: number; // screen widths per second
  phase: number;
  scale: number;
}

export interface Layout {
  ridges: number[][]; // per layer, heights 0..1 at evenly spaced points
  stars: [number, number, number][];
  clouds: [number, number, number][];
  particles: [number, number, number][];
  actors: Actor[];
  buildings: [number, number, number][];
  blobs: [number, number, number, number][];
  lightning: number[]; // seconds at which lightning flashes
}

export function makeLayout(scene: Scene, seed: number, seconds: number): Layout {
  const r = mulberry32(seed);
  const ridge = (n: number, rough: number) => {
    const pts: number[] = [];
    let v = r();
    for (let i = 0; i < n; i++) {
      v = Math.min(1, Math.max(0, v + (r() - 0.5) * rough));
      pts.push(v);
    }
    return pts;
  };
  const actors: Actor[] = [];
  for (const subject of scene.subjects) {
    for (let i = 0; i < subject.count; i++) {
      actors.push({ subject, x: r(), y: 0.15 + r() * 0.5, vx: (0.03 + r() * 0.06) * (r() < 0.5 ? -1 : 1), phase: r() * 6.28, scale: 0.7 + r() * 0.6 });
    }
  }
  const lightning: number[] = [];
  for (let t = 0.7 + r(); t < seconds; t += 1.2 + r() * 2) lightning.push(t);
  return {
    ridges: [ridge(24, 0.5), ridge(32, 0.35), ridge(40, 0.25)],
    stars: Array.from({ length: 160 }, () => [r(), r() * 0.7, 0.3 + r() * 0.7]),
    clouds: Array.from({ length: 6 }, () => [r(), 0.05 + r() * 0.3, 0.6 + r() * 0.8]),
    particles: Array.from({ length: 260 }, () => [r(), r(), 0.5 + r()]),
    actors,
    buildings: Array.from({ length: 22 }, () => [r(), 0.2 + r() * 0.5, 0.03 + r() * 0.05]),
    blobs: Array.from({ length: 7 }, () => [r(), r(), 0.15 + r() * 0.35, r() * 360]),
    lightning,
  };
}

const SKY: Record<Scene['time'], [string, string]> = {
  dawn: ['#34406e', '#f7a96c'],
  day: ['#2f74d0', '#b4dcf5'],
  sunset: ['#3d1f5e', '#ff7b3d'],
  dusk: ['#141c46', '#7d5c9e'],
  night: ['#03050f', '#152040'],
};

const GROUND: Record<Scene['setting'], string[]> = {
  mountains: ['#5b6b82', '#3f4d60', '#263140'],
  forest: ['#2f5d3a', '#1f4429', '#12301b'],
  sea: ['#1d5f8c', '#174d73', '#0f3a59'],
  desert: ['#e0b574', '#d09a55', '#b77d3c'],
  city: ['#2d3340', '#222733', '#181c25'],
  space: [],
  snowfield: ['#e8eef5', '#d5dfea', '#c3cfdc'],
  meadow: ['#6fae4a', '#58953a', '#427a2b'],
  room: [],
  abstract: [],
};

const NIGHTISH = (s: Scene) => s.time === 'night' || s.time === 'dusk';

function shade(hex: string, f: number): string {
  const n = parseInt(hex.slice(1), 16);
  const c = (v: number) => Math.max(0, Math.min(255, Math.round(v * f)));
  return `rgb(${c((n >> 16) & 255)},${c((n >> 8) & 255)},${c(n & 255)})`;
}

function darkness(scene: Scene): number {
  return { dawn: 0.85, day: 1, sunset: 0.8, dusk: 0.55, night: 0.35 }[scene.time] * (scene.weather === 'storm' ? 0.6 : 1);
}

export interface FrameInput {
  t: number;
  seconds: number;
  width: number;
  height: number;
  /** Background image (reference or a previous clip's last frame) shown from frame 0. */
  background: Image | null;
  characters: { name: string; image: Image }[];
}

/** `overlayOnly`: keep what is on the canvas (an edit's source frame) and paint only subjects, weather and style. */
export function paintFrame(ctx: SKRSContext2D, scene: Scene, layout: Layout, f: FrameInput, overlayOnly = false): void {
  const { width: W, height: H } = f;
  const t = f.t * scene.speed;
  const progress = f.seconds > 0 ? f.t / f.seconds : 0;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.globalAlpha = 1;
  ctx.globalCompositeOperation = 'source-over';

  // Camera: a scale around the centre plus a horizontal shift; nearer layers move more (parallax).
  const camShift = scene.camera === 'pan_left' ? -1 : scene.camera === 'pan_right' ? 1 : scene.camera === 'orbit' ? Math.sin(t * 0.6) : 0;
  const zoom = scene.camera === 'zoom_in' ? 1 + 0.25 * progress : scene.camera === 'zoom_out' ? 1.25 - 0.25 * progress : 1;
  const camera = (depth: number) => {
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.translate(W / 2, H / 2);
    const z = 1 + (zoom - 1) * depth;
    ctx.scale(z, z);
    ctx.translate(-W / 2 - camShift * t * 0.04 * W * depth, -H / 2);
  };

  if (overlayOnly) {
    // the caller's pixels are the backdrop
  } else if (f.background) {
    // Frame 0 is the image exactly; then the camera drifts in with a gentle push.
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    const z = 1 + 0.12 * progress * (scene.camera === 'zoom_out' ? -0.5 : 1);
    const dx = camShift * progress * 0.05 * W;
    ctx.translate(W / 2 + dx * 0, H / 2);
    ctx.scale(Math.max(z, 1), Math.max(z, 1));
    ctx.translate(-W / 2 - dx, -H / 2);
    ctx.drawImage(f.background, 0, 0, W, H);
  } else {
    paintBackdrop(ctx, scene, layout, t, W, H, camera);
  }

  // Subjects and characters.
  for (const a of layout.actors) {
    camera(0.8);
    const x = (((a.x + a.vx * t) % 1.2) + 1.2) % 1.2 - 0.1;
    const bob = Math.sin(t * 2 + a.phase) * 0.01;
    paintSubject(ctx, a.subject, x * W, (a.y + bob) * H, a.scale * Math.min(W, H) / 12, t + a.phase, a.vx < 0, scene);
  }
  f.characters.forEach((c, i) => {
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    const size = Math.min(W, H) * 0.32;
    const x = W * (0.25 + 0.5 * i) - size / 2 + Math.sin(t * 0.7 + i) * W * 0.05;
    const y = H * 0.55 - size / 2 + Math.sin(t * 1.3 + i) * H * 0.02;
    ctx.save();
    ctx.beginPath();
    ctx.arc(x + size / 2, y + size / 2, size / 2, 0, Math.PI * 2);
    ctx.clip();
    ctx.drawImage(c.image, x, y, size, size);
    ctx.restore();
    ctx.strokeStyle = '#ffffff';
    ctx.lineWidth = Math.max(2, size / 40);
    ctx.beginPath();
    ctx.arc(x + size / 2, y + size / 2, size / 2, 0, Math.PI * 2);
    ctx.stroke();
  });

  ctx.setTransform(1, 0, 0, 1, 0, 0);
  paintWeather(ctx, scene, layout, t, f.t, W, H);
  paintStyle(ctx, scene, layout, f.t, W, H);
}

function paintBackdrop(ctx: SKRSContext2D, scene: Scene, layout: Layout, t: number, W: number, H: number, camera: (d: number) => void) {
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  const [top, bottom] = scene.setting === 'space' ? ['#000000', '#0b0820'] : SKY[scene.time];
  const sky = ctx.createLinearGradient(0, 0, 0, H);
  sky.addColorStop(0, top);
  sky.addColorStop(1, bottom);
  ctx.fillStyle = sky;
  ctx.fillRect(0, 0, W, H);

  if (scene.setting === 'abstract') {
    // Unknown words: a field of soft colour shapes, hue from the prompt.
    for (const [bx, by, br, dh] of layout.blobs) {
      const hue = (scene.hue + dh / 4) % 360;
      const light = scene.time === 'night' ? 25 : 55;
      const x = (bx + Math.sin(t * 0.3 + dh) * 0.05) * W;
      const y = (by + Math.cos(t * 0.25 + dh) * 0.05) * H;
      const g = ctx.createRadialGradient(x, y, 0, x, y, br * W);
      g.addColorStop(0, `hsla(${hue},70%,${light}%,0.85)`);
      g.addColorStop(1, `hsla(${hue},70%,${light}%,0)`);
      ctx.fillStyle = g;
      ctx.fillRect(0, 0, W, H);
    }
  }

  if (NIGHTISH(scene) || scene.setting === 'space') {
    for (const [sx, sy, sb] of layout.stars) {
      const tw = 0.6 + 0.4 * Math.sin(t * 3 + sx * 50);
      ctx.fillStyle = `rgba(255,255,240,${sb * tw})`;
      ctx.fillRect(((sx * W - t * 2) % W + W) % W, sy * H, 2, 2);
    }
  }
  // Sun or moon.
  camera(0.1);
  if (scene.setting !== 'room') {
    const night = NIGHTISH(scene);
    const cy = { dawn: 0.55, day: 0.2, sunset: 0.6, dusk: 0.3, night: 0.2 }[scene.time] * H;
    const cx = W * 0.72;
    const r = Math.min(W, H) * (night ? 0.06 : 0.08);
    const glow = ctx.createRadialGradient(cx, cy, r * 0.5, cx, cy, r * 4);
    glow.addColorStop(0, night ? 'rgba(220,230,255,0.35)' : 'rgba(255,230,160,0.5)');
    glow.addColorStop(1, 'rgba(255,230,160,0)');
    ctx.fillStyle = glow;
    ctx.fillRect(cx - r * 4, cy - r * 4, r * 8, r * 8);
    ctx.fillStyle = night ? '#e8ecf5' : scene.time === 'sunset' ? '#ffb347' : '#fff3c4';
    ctx.beginPath();
    ctx.arc(cx, cy, r, 0, Math.PI * 2);
    ctx.fill();
  }
  // Clouds.
  if (scene.setting !== 'space' && scene.setting !== 'room') {
    camera(0.2);
    const cloudColor = NIGHTISH(scene) ? 'rgba(90,100,130,0.55)' : 'rgba(255,255,255,0.8)';
    for (const [cx0, cy, cs] of layout.clouds) {
      const x = ((cx0 + t * 0.01 * cs) % 1.3) * W - 0.15 * W;
      paintCloud(ctx, x, cy * H, cs * Math.min(W, H) * 0.12, cloudColor);
    }
  }

  const layers = GROUND[scene.setting];
  const dark = darkness(scene);
  if (scene.setting === 'room') {
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = shade('#c9b79c', dark);
    ctx.fillRect(0, 0, W, H);
    ctx.fillStyle = shade('#8fb3d9', dark);
    ctx.fillRect(W * 0.58, H * 0.12, W * 0.3, H * 0.35);
    ctx.fillStyle = shade('#7a5232', dark);
    ctx.fillRect(0, H * 0.68, W, H * 0.32);
    ctx.fillStyle = shade('#333a44', dark);
    ctx.fillRect(W * 0.3, H * 0.42, W * 0.22, H * 0.2);
    ctx.fillStyle = shade('#6ad1ff', dark + 0.2);
    ctx.fillRect(W * 0.31, H * 0.43, W * 0.2, H * 0.17);
    return;
  }
  if (scene.setting === 'city') {
    camera(0.5);
    for (const [bx, bh, bw] of layout.buildings) {
      const x = bx * W * 1.2 - W * 0.1;
      const y = H * (1 - bh);
      ctx.fillStyle = shade('#2d3340', dark + 0.3);
      ctx.fillRect(x, y, bw * W, bh * H);
      ctx.fillStyle = NIGHTISH(scene) ? 'rgba(255,220,120,0.8)' : 'rgba(200,220,255,0.5)';
      for (let wy = y + 8; wy < H - 8; wy += 14) {
        for (let wx = x + 4; wx < x + bw * W - 6; wx += 10) {
          if (((wx * 7 + wy * 13) | 0) % 5 !== 0) ctx.fillRect(wx, wy, 4, 6);
        }
      }
    }
  }
  layers.forEach((color, i) => {
    camera(0.3 + i * 0.3);
    const pts = layout.ridges[i];
    const base = scene.setting === 'sea' ? 0.62 + i * 0.08 : scene.setting === 'mountains' ? 0.35 + i * 0.15 : 0.6 + i * 0.1;
    const amp = scene.setting === 'mountains' ? 0.3 : scene.setting === 'sea' ? 0.02 : scene.setting === 'desert' ? 0.08 : 0.1;
    ctx.fillStyle = shade(color, dark);
    ctx.beginPath();
    ctx.moveTo(-W, H);
    const span = W * 3;
    for (let k = 0; k < pts.length; k++) {
      const x = -W + (k / (pts.length - 1)) * span;
      const wave = scene.setting === 'sea' ? Math.sin(t * 1.5 + k * 0.9 + i) * 0.01 : 0;
      ctx.lineTo(x, H * (base - pts[k] * amp + wave));
    }
    ctx.lineTo(W * 2, H);
    ctx.closePath();
    ctx.fill();
    if (scene.setting === 'forest') {
      ctx.fillStyle = shade(color, dark * 0.8);
      for (let k = 0; k < pts.length; k++) {
        const x = -W + (k / (pts.length - 1)) * span;
        const y = H * (base - pts[k] * amp);
        paintPine(ctx, x, y, H * (0.12 - i * 0.02));
      }
    }
  });
}

function paintCloud(ctx: SKRSContext2D, x: number, y: number, r: number, color: string) {
  ctx.fillStyle = color;
  ctx.beginPath();
  ctx.arc(x, y, r, 0, Math.PI * 2);
  ctx.arc(x + r, y - r * 0.4, r * 1.1, 0, Math.PI * 2);
  ctx.arc(x + r * 2, y, r * 0.9, 0, Math.PI * 2);
  ctx.fill();
}

function paintPine(ctx: SKRSContext2D, x: number, y: number, h: number) {
  ctx.beginPath();
  ctx.moveTo(x, y - h);
  ctx.lineTo(x - h * 0.3, y + 2);
  ctx.lineTo(x + h * 0.3, y + 2);
  ctx.closePath();
  ctx.fill();
}

/** Simple vector shapes, one per subject kind; anything unlisted is a coloured orb. */
function paintSubject(ctx: SKRSContext2D, s: Subject, x: number, y: number, size: number, t: number, flip: boolean, scene: Scene) {
  const color = s.color ?? scene.colors[0] ?? `hsl(${(scene.hue + 180) % 360},75%,55%)`;
  ctx.save();
  ctx.translate(x, y);
  if (flip) ctx.scale(-1, 1);
  ctx.fillStyle = color;
  ctx.strokeStyle = color;
  ctx.lineWidth = Math.max(1.5, size / 12);
  const k = s.kind;
  if (k === 'balloon') {
    ctx.beginPath();
    ctx.ellipse(0, 0, size * 0.6, size * 0.75, 0, 0, Math.PI * 2);
    ctx.fill();
    ctx.fillStyle = '#6d4c41';
    ctx.fillRect(-size * 0.15, size * 0.95, size * 0.3, size * 0.25);
  } else if (k === 'paper_airplane' || k === 'airplane' || k === 'drone') {
    ctx.fillStyle = k === 'paper_airplane' ? (s.color ?? '#f5f5f5') : color;
    ctx.beginPath();
    ctx.moveTo(size, 0);
    ctx.lineTo(-size, -size * 0.5);
    ctx.lineTo(-size * 0.5, 0);
    ctx.lineTo(-size, size * 0.5);
    ctx.closePath();
    ctx.fill();
  } else if (k === 'birds' || k === 'butterfly' || k === 'leaves') {
    const flap = Math.sin(t * 8) * size * 0.4;
    ctx.beginPath();
    ctx.moveTo(-size * 0.6, -flap);
    ctx.quadraticCurveTo(-size * 0.3, 0, 0, 0);
    ctx.quadraticCurveTo(size * 0.3, 0, size * 0.6, -flap);
    ctx.stroke();
  } else if (k === 'car' || k === 'train' || k === 'bicycle') {
    const len = k === 'train' ? size * 4 : size * 1.6;
    ctx.fillRect(-len / 2, -size * 0.4, len, size * 0.5);
    ctx.fillStyle = '#222';
    for (const wx of [-len / 3, len / 3]) {
      ctx.beginPath();
      ctx.arc(wx, size * 0.15, size * 0.2, 0, Math.PI * 2);
      ctx.fill();
    }
  } else if (k === 'boat' || k === 'sailboat') {
    ctx.beginPath();
    ctx.moveTo(-size, 0);
    ctx.lineTo(size, 0);
    ctx.lineTo(size * 0.7, size * 0.35);
    ctx.lineTo(-size * 0.7, size * 0.35);
    ctx.closePath();
    ctx.fill();
    ctx.fillStyle = '#fafafa';
    ctx.beginPath();
    ctx.moveTo(0, -size * 1.2);
    ctx.lineTo(size * 0.6, -size * 0.05);
    ctx.lineTo(0, -size * 0.05);
    ctx.fill();
  } else if (k === 'fish' || k === 'whale') {
    const L = k === 'whale' ? size * 2.5 : size;
    ctx.beginPath();
    ctx.ellipse(0, 0, L * 0.6, L * 0.25, 0, 0, Math.PI * 2);
    ctx.moveTo(-L * 0.55, 0);
    ctx.lineTo(-L * 0.9, -L * 0.25);
    ctx.lineTo(-L * 0.9, L * 0.25);
    ctx.fill();
  } else if (k === 'rocket') {
    ctx.rotate(-Math.PI / 2);
    ctx.fillRect(-size * 0.8, -size * 0.2, size * 1.4, size * 0.4);
    ctx.beginPath();
    ctx.moveTo(size * 0.6, -size * 0.2);
    ctx.lineTo(size, 0);
    ctx.lineTo(size * 0.6, size * 0.2);
    ctx.fill();
    ctx.fillStyle = `rgba(255,${150 + Math.floor(Math.sin(t * 20) * 60)},0,0.9)`;
    ctx.beginPath();
    ctx.moveTo(-size * 0.8, -size * 0.15);
    ctx.lineTo(-size * 1.5, 0);
    ctx.lineTo(-size * 0.8, size * 0.15);
    ctx.fill();
  } else if (k === 'kite') {
    ctx.beginPath();
    ctx.moveTo(0, -size);
    ctx.lineTo(size * 0.6, 0);
    ctx.lineTo(0, size);
    ctx.lineTo(-size * 0.6, 0);
    ctx.fill();
  } else if (k === 'planet' || k === 'moon' || k === 'sun') {
    ctx.beginPath();
    ctx.arc(0, 0, size, 0, Math.PI * 2);
    ctx.fill();
    if (k === 'planet') {
      ctx.strokeStyle = 'rgba(255,255,255,0.7)';
      ctx.beginPath();
      ctx.ellipse(0, 0, size * 1.7, size * 0.4, -0.3, 0, Math.PI * 2);
      ctx.stroke();
    }
  } else if (k === 'house' || k === 'lighthouse' || k === 'tree') {
    if (k === 'tree') paintPine(ctx, 0, size, size * 2.2);
    else if (k === 'lighthouse') {
      ctx.fillRect(-size * 0.25, -size * 1.5, size * 0.5, size * 2.5);
      ctx.fillStyle = `rgba(255,250,200,${0.5 + 0.5 * Math.sin(t * 3)})`;
      ctx.fillRect(-size * 0.3, -size * 1.8, size * 0.6, size * 0.35);
    } else {
      ctx.fillRect(-size * 0.7, -size * 0.3, size * 1.4, size);
      ctx.beginPath();
      ctx.moveTo(-size * 0.85, -size * 0.3);
      ctx.lineTo(0, -size);
      ctx.lineTo(size * 0.85, -size * 0.3);
      ctx.fill();
    }
  } else if (k === 'fireworks' || k === 'stars') {
    const burst = (t * 0.8) % 1;
    for (let i = 0; i < 12; i++) {
      const ang = (i / 12) * Math.PI * 2;
      ctx.globalAlpha = 1 - burst;
      ctx.fillRect(Math.cos(ang) * size * 2 * burst, Math.sin(ang) * size * 2 * burst, 3, 3);
    }
  } else if (k === 'person' || k === 'dog' || k === 'cat' || k === 'horse') {
    const legs = Math.sin(t * 6) * size * 0.25;
    if (k === 'person') {
      ctx.beginPath();
      ctx.arc(0, -size, size * 0.22, 0, Math.PI * 2);
      ctx.fill();
      ctx.beginPath();
      ctx.moveTo(0, -size * 0.75);
      ctx.lineTo(0, 0);
      ctx.lineTo(legs, size * 0.6);
      ctx.moveTo(0, 0);
      ctx.lineTo(-legs, size * 0.6);
      ctx.moveTo(-size * 0.3, -size * 0.5);
      ctx.lineTo(size * 0.3, -size * 0.4);
      ctx.stroke();
    } else {
      const L = k === 'horse' ? size * 1.6 : size;
      ctx.beginPath();
      ctx.ellipse(0, 0, L * 0.5, L * 0.2, 0, 0, Math.PI * 2);
      ctx.arc(L * 0.55, -L * 0.2, L * 0.15, 0, Math.PI * 2);
      ctx.fill();
      ctx.beginPath();
      ctx.moveTo(-L * 0.35, 0);
      ctx.lineTo(-L * 0.35 + legs * 0.5, L * 0.4);
      ctx.moveTo(L * 0.35, 0);
      ctx.lineTo(L * 0.35 - legs * 0.5, L * 0.4);
      ctx.stroke();
    }
  } else {
    // satellite, clouds and anything else: a bright body with a halo.
    if (k === 'clouds') paintCloud(ctx, 0, 0, size * 0.8, 'rgba(255,255,255,0.85)');
    else {
      ctx.fillRect(-size * 0.3, -size * 0.3, size * 0.6, size * 0.6);
      ctx.fillStyle = '#90caf9';
      ctx.fillRect(-size * 1.1, -size * 0.15, size * 0.7, size * 0.3);
      ctx.fillRect(size * 0.4, -size * 0.15, size * 0.7, size * 0.3);
    }
  }
  ctx.restore();
}

function paintWeather(ctx: SKRSContext2D, scene: Scene, layout: Layout, t: number, realT: number, W: number, H: number) {
  const w = scene.weather;
  if (w === 'rain' || w === 'storm') {
    ctx.strokeStyle = 'rgba(200,210,230,0.55)';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    for (const [px, py, ps] of layout.particles) {
      const y = ((py + t * 1.6 * ps) % 1) * H;
      const x = ((px + t * 0.05) % 1) * W;
      ctx.moveTo(x, y);
      ctx.lineTo(x - 4, y + 18 * ps);
    }
    ctx.stroke();
  }
  if (w === 'snow') {
    ctx.fillStyle = 'rgba(255,255,255,0.95)';
    for (const [px, py, ps] of layout.particles) {
      const y = ((py + t * 0.12 * ps) % 1) * H;
      const x = ((px + Math.sin(t + py * 10) * 0.01) % 1 + 1) % 1 * W;
      ctx.beginPath();
      ctx.arc(x, y, 1.5 + ps * 2, 0, Math.PI * 2);
      ctx.fill();
    }
  }
  if (w === 'wind') {
    ctx.strokeStyle = 'rgba(255,255,255,0.35)';
    ctx.lineWidth = 2;
    ctx.beginPath();
    for (const [px, py, ps] of layout.particles.slice(0, 40)) {
      const x = ((px + t * 0.6 * ps) % 1) * W;
      ctx.moveTo(x, py * H);
      ctx.lineTo(x + 60 * ps, py * H);
    }
    ctx.stroke();
  }
  if (w === 'fog') {
    const g = ctx.createLinearGradient(0, 0, 0, H);
    g.addColorStop(0, 'rgba(220,225,230,0.25)');
    g.addColorStop(1, 'rgba(220,225,230,0.7)');
    ctx.fillStyle = g;
    ctx.fillRect(0, 0, W, H);
  }
  if (w === 'storm') {
    const flash = layout.lightning.find((s) => realT >= s && realT < s + 0.15);
    if (flash !== undefined) {
      ctx.fillStyle = 'rgba(235,240,255,0.55)';
      ctx.fillRect(0, 0, W, H);
      ctx.strokeStyle = '#ffffff';
      ctx.lineWidth = 3;
      ctx.beginPath();
      let x = W * ((flash * 0.37) % 1);
      ctx.moveTo(x, 0);
      for (let y = 0; y < H * 0.7; y += H / 10) {
        x += ((y * 7919) % 61) - 30;
        ctx.lineTo(x, y);
      }
      ctx.stroke();
    }
  }
}

function paintStyle(ctx: SKRSContext2D, scene: Scene, layout: Layout, t: number, W: number, H: number) {
  const s = scene.style;
  if (s === 'noir') {
    ctx.globalCompositeOperation = 'saturation';
    ctx.fillStyle = '#808080';
    ctx.fillRect(0, 0, W, H);
  } else if (s === 'vintage') {
    ctx.globalCompositeOperation = 'color';
    ctx.fillStyle = 'rgba(112,66,20,0.45)';
    ctx.fillRect(0, 0, W, H);
    ctx.globalCompositeOperation = 'source-over';
    ctx.fillStyle = 'rgba(0,0,0,0.25)';
    const frame = Math.floor(t * 24);
    for (let i = 0; i < 120; i++) {
      const [px, py] = layout.particles[(i * 7 + frame * 13) % layout.particles.length];
      ctx.fillRect(px * W, ((py + frame * 0.37) % 1) * H, 2, 2);
    }
  } else if (s === 'pastel') {
    ctx.globalCompositeOperation = 'screen';
    ctx.fillStyle = 'rgba(255,210,235,0.35)';
    ctx.fillRect(0, 0, W, H);
  } else if (s === 'neon') {
    ctx.globalCompositeOperation = 'overlay';
    const g = ctx.createLinearGradient(0, 0, W, H);
    g.addColorStop(0, 'rgba(255,0,200,0.6)');
    g.addColorStop(1, 'rgba(0,255,240,0.6)');
    ctx.fillStyle = g;
    ctx.fillRect(0, 0, W, H);
  } else if (s === 'watercolor') {
    ctx.globalCompositeOperation = 'soft-light';
    ctx.fillStyle = 'rgba(250,240,220,0.5)';
    ctx.fillRect(0, 0, W, H);
  } else if (s === 'cinematic') {
    ctx.globalCompositeOperation = 'overlay';
    ctx.fillStyle = 'rgba(0,90,110,0.25)';
    ctx.fillRect(0, 0, W, H);
    ctx.globalCompositeOperation = 'source-over';
    ctx.fillStyle = '#000';
    const bar = Math.round(H * 0.1);
    ctx.fillRect(0, 0, W, bar);
    ctx.fillRect(0, H - bar, W, bar);
  }
  ctx.globalCompositeOperation = 'source-over';
}
