// Colour grades as affine RGB matrices (see ColorMatrix). A blend of the whole frame with one
// flat colour (multiply, screen, source-over, 'color', 'saturation') is affine in each pixel, so
// instead of a full-frame pass on the canvas it becomes a matrix that the frame's conversion to
// I420 applies for free. Only what varies across the frame (gradients, textures, grain) is painted.
import type { SKRSContext2D } from '@napi-rs/canvas';
import { composeColor, gradeRgba, IDENTITY, type ColorMatrix } from '../../media/index.js';

type RGB = readonly [number, number, number];

/** The luminosity weights of the canvas's non-separable blend modes. */
const LUM: RGB = [0.3, 0.59, 0.11];

const lum = (c: RGB) => LUM[0] * c[0] + LUM[1] * c[1] + LUM[2] * c[2];

/** A mix of the identity and `m`: how the canvas's globalAlpha fades a blend in. */
export function mixColor(a: ColorMatrix, b: ColorMatrix, k: number): ColorMatrix {
  if (k >= 1) return b;
  if (k <= 0) return a;
  return a.map((v, i) => v + (b[i] - v) * k);
}

/** Steps applied in order: chain(f, g) is g after f. */
export function chain(...steps: ColorMatrix[]): ColorMatrix {
  return steps.reduce((acc, m) => composeColor(m, acc), IDENTITY);
}

/** k = 1 keeps the colour, 0 leaves the grey of the same luminosity. */
export function saturation(k: number): ColorMatrix {
  const m: number[] = [];
  for (let row = 0; row < 3; row++) {
    for (let col = 0; col < 3; col++) m.push((1 - k) * LUM[col] + (row === col ? k : 0));
    m.push(0);
  }
  return m;
}

/** Source-over of a flat colour at `alpha`. */
export function over(c: RGB, alpha: number): ColorMatrix {
  return [1 - alpha, 0, 0, alpha * c[0], 0, 1 - alpha, 0, alpha * c[1], 0, 0, 1 - alpha, alpha * c[2]];
}

/** 'screen' with a flat colour at `alpha`: d + c - d c, faded. */
export function screen(c: RGB, alpha: number): ColorMatrix {
  const k = (v: number) => 1 - (alpha * v) / 255;
  return [k(c[0]), 0, 0, alpha * c[0], 0, k(c[1]), 0, alpha * c[1], 0, 0, k(c[2]), alpha * c[2]];
}

/** 'color' with a flat colour at `alpha`: the colour's hue and saturation, the frame's luminosity. */
export function colorize(c: RGB, alpha: number): ColorMatrix {
  const m: number[] = [];
  for (let row = 0; row < 3; row++) {
    for (let col = 0; col < 3; col++) m.push(alpha * LUM[col] + (row === col ? 1 - alpha : 0));
    m.push(alpha * (c[row] - lum(c)));
  }
  return m;
}

/** Stretches levels about `pivot` by `k` (k > 1: more contrast). */
export function contrast(k: number, pivot = 128): ColorMatrix {
  const o = pivot * (1 - k);
  return [k, 0, 0, o, 0, k, 0, o, 0, 0, k, o];
}

/** Per-channel gain and lift: v' = gain v + lift. */
export function levels(gain: RGB, lift: RGB): ColorMatrix {
  return [gain[0], 0, 0, lift[0], 0, gain[1], 0, lift[1], 0, 0, gain[2], lift[2]];
}

/** Shadows toward teal and highlights toward orange by `k` per level of luminosity from the middle. */
export function splitTone(k: number): ColorMatrix {
  // r' = r + k (L - 128), b' = b - k (L - 128), g' a quarter of r's push.
  const m: number[] = [];
  [k, k * 0.25, -k].forEach((push, row) => {
    for (let col = 0; col < 3; col++) m.push(push * LUM[col] + (row === col ? 1 : 0));
    m.push(-push * 128);
  });
  return m;
}

/** Applies a matrix to a rectangle of a canvas: for pictures kept from frames (spritesheet and gallery tiles). */
export function gradeRect(ctx: SKRSContext2D, x: number, y: number, w: number, h: number, m: ColorMatrix): void {
  if (m === IDENTITY) return;
  const px = ctx.getImageData(x, y, w, h);
  gradeRgba(px.data, m);
  ctx.putImageData(px, x, y);
}
