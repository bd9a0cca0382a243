// Colour grades as matrices: each one must do what the canvas's own blend with a flat colour
// does, since that is what it replaces; and the engine must apply them to video, thumbnail and
// spritesheet alike.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { createCanvas } from '@napi-rs/canvas';
import { colorize, chain, over, saturation, screen, mixColor, contrast, levels } from '../../../src/engines/local/grade.js';
import { gradeRgba, I420Converter, IDENTITY, type ColorMatrix } from '../../../src/media/index.js';
import { render, framesAt, cleanup } from './harness.js';

after(cleanup);

/** A strip of varied colours: greys, primaries, pastels, darks. */
function swatches(): Uint8ClampedArray {
  const colors: number[][] = [];
  for (const r of [0, 40, 128, 200, 255]) for (const g of [0, 90, 180, 255]) for (const b of [0, 70, 160, 255]) colors.push([r, g, b]);
  const px = new Uint8ClampedArray(colors.length * 4);
  colors.forEach((c, i) => px.set([...c, 255], i * 4));
  return px;
}

/** What the canvas makes of `px` with a full-size fill of `fill` in blend mode `op`. */
function canvasBlend(px: Uint8ClampedArray, op: GlobalCompositeOperation, fill: string): Uint8ClampedArray {
  const n = px.length / 4;
  const c = createCanvas(n, 1);
  const ctx = c.getContext('2d');
  const img = ctx.createImageData(n, 1);
  img.data.set(px);
  ctx.putImageData(img, 0, 0);
  ctx.globalCompositeOperation = op;
  ctx.fillStyle = fill;
  ctx.fillRect(0, 0, n, 1);
  return ctx.getImageData(0, 0, n, 1).data;
}

function graded(px: Uint8ClampedArray, m: ColorMatrix): Uint8ClampedArray {
  const out = new Uint8ClampedArray(px);
  gradeRgba(out, m);
  return out;
}

function maxDiff(a: Uint8ClampedArray, b: Uint8ClampedArray): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) if (i % 4 !== 3) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

test('each flat-colour grade matches the canvas blend it replaces', () => {
  const px = swatches();
  const cases: [string, ColorMatrix, GlobalCompositeOperation, string][] = [
    ['saturation (pastel)', saturation(0.55), 'saturation', 'rgba(128,128,128,0.45)'],
    ['screen (pastel)', screen([255, 205, 230], 0.35), 'screen', 'rgba(255,205,230,0.35)'],
    ['source-over (vintage)', over([255, 235, 200], 0.1), 'source-over', 'rgba(255,235,200,0.1)'],
    ['saturation to grey (noir)', saturation(0), 'saturation', '#808080'],
  ];
  for (const [name, m, op, fill] of cases) {
    const d = maxDiff(graded(px, m), canvasBlend(px, op, fill));
    assert.ok(d <= 2, `${name}: largest difference ${d}`);
  }
  // 'color' clips colours that leave the gamut; on colours that stay inside it, the matrix is exact.
  const inGamut = new Uint8ClampedArray([90, 120, 140, 255, 128, 128, 128, 255, 180, 160, 150, 255, 60, 60, 70, 255]);
  const d = maxDiff(graded(inGamut, colorize([140, 95, 45], 0.6)), canvasBlend(inGamut, 'color', 'rgba(140,95,45,0.6)'));
  assert.ok(d <= 3, `color (vintage): largest difference ${d}`);
});

test('grades compose in order, fade with an amount, and contrast and levels do what they say', () => {
  const px = new Uint8ClampedArray([200, 100, 50, 255]);
  const both = graded(px, chain(saturation(0), levels([0.5, 0.5, 0.5], [10, 10, 10])));
  const stepwise = graded(graded(px, saturation(0)), levels([0.5, 0.5, 0.5], [10, 10, 10]));
  assert.ok(maxDiff(both, stepwise) <= 1, `composed ${[...both]} vs one step after the other ${[...stepwise]}`);
  assert.deepEqual([...graded(px, mixColor(IDENTITY, saturation(0), 0))], [...px]);
  const half = graded(px, mixColor(IDENTITY, over([0, 0, 0], 1), 0.5));
  assert.deepEqual([...half.slice(0, 3)], [100, 50, 25]);
  assert.deepEqual([...graded(new Uint8ClampedArray([128, 100, 200, 255]), contrast(2))].slice(0, 3), [128, 72, 255]);
});

test('the converter applies a grade as gradeRgba then conversion would', () => {
  const [w, h] = [64, 4];
  const px = new Uint8Array(w * h * 4);
  for (let i = 0; i < px.length; i++) px[i] = i % 4 === 3 ? 255 : (i * 37) % 256;
  const m = chain(colorize([140, 95, 45], 0.6), contrast(1.2));
  const direct = Buffer.from(I420Converter.create(w, h)!.convert(px, m));
  const pre = new Uint8Array(px);
  gradeRgba(pre, m);
  const stepwise = I420Converter.create(w, h)!.convert(pre);
  let max = 0;
  for (let i = 0; i < direct.length; i++) max = Math.max(max, Math.abs(direct[i] - stepwise[i]));
  // Rounding to 8 bits between the steps is the only difference.
  assert.ok(max <= 2, `largest difference ${max}`);
});

/** Mean distance of each pixel from its own grey: 0 for black and white. */
function chroma(rgba: Buffer): number {
  let s = 0;
  for (let i = 0; i < rgba.length; i += 4) {
    const m = (rgba[i] + rgba[i + 1] + rgba[i + 2]) / 3;
    s += Math.abs(rgba[i] - m) + Math.abs(rgba[i + 1] - m) + Math.abs(rgba[i + 2] - m);
  }
  return s / (rgba.length / 4);
}

test('a noir video, its thumbnail and its spritesheet come out black and white', async () => {
  const colour = await render({ prompt: 'a red car and a yellow house in a meadow at sunset', size: '320x180', seconds: '2', seed: 5 });
  const noir = await render({ prompt: 'a red car and a yellow house in a meadow at sunset, noir', size: '320x180', seconds: '2', seed: 5 });
  const frame = async (video: string) => (await framesAt(video, 320, 180, [30])).get(30)!;
  const c = chroma(await frame(colour.video));
  const n = chroma(await frame(noir.video));
  assert.ok(c > 20, `the colour video has colour (${c.toFixed(1)})`);
  assert.ok(n < 3, `the noir video is grey (${n.toFixed(1)})`);
  for (const asset of ['thumbnail', 'spritesheet'] as const) {
    const raw = await sharp(readFileSync(noir.assets[asset]!)).ensureAlpha().raw().toBuffer();
    assert.ok(chroma(raw) < 3, `the noir ${asset} is grey (${chroma(raw).toFixed(1)})`);
  }
});
