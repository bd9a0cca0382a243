// RGBA frames to I420 (yuv420p, BT.601 limited range) before they reach ffmpeg. ffmpeg's own
// conversion of RGBA input cost about 2.7 ms a 1280x720 frame on its main thread; this SIMD
// WebAssembly one 0.3-0.8 ms (as this shared machine's speed varies), and the pipe then carries
// 1.5 bytes a pixel instead of 4.
// A colour grade given as an RGB matrix is folded into the conversion's own matrix, so grading
// a frame this way costs nothing, where a full-frame blend on the canvas costs milliseconds.
// Source: wasm/i420.ts (AssemblyScript); `npm run build:wasm` rebuilds src/media/i420.wasm.
import { readFileSync } from 'node:fs';

/**
 * An affine colour transform on 0..255 RGB, row by row: r' = m[0] r + m[1] g + m[2] b + m[3],
 * then g' (m[4..7]) and b' (m[8..11]).
 */
export type ColorMatrix = readonly number[];

export const IDENTITY: ColorMatrix = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0];

/** BT.601 limited range, in the same form (rows Y, U, V). */
const TO_YUV: ColorMatrix = [66 / 256, 129 / 256, 25 / 256, 16, -38 / 256, -74 / 256, 112 / 256, 128, 112 / 256, -94 / 256, -18 / 256, 128];

/** a after b: (a . b)(x) = a(b(x)). */
export function composeColor(a: ColorMatrix, b: ColorMatrix): number[] {
  const out = new Array<number>(12);
  for (let row = 0; row < 3; row++) {
    for (let col = 0; col < 4; col++) {
      let v = 0;
      for (let k = 0; k < 3; k++) v += a[row * 4 + k] * b[k * 4 + col];
      out[row * 4 + col] = v + (col === 3 ? a[row * 4 + 3] : 0);
    }
  }
  return out;
}

/** Applies a matrix to RGBA pixels in place (alpha kept): for the few frames kept as pictures. */
export function gradeRgba(px: Uint8Array | Uint8ClampedArray, m: ColorMatrix): void {
  for (let i = 0; i < px.length; i += 4) {
    const r = px[i], g = px[i + 1], b = px[i + 2];
    px[i] = clamp(m[0] * r + m[1] * g + m[2] * b + m[3]);
    px[i + 1] = clamp(m[4] * r + m[5] * g + m[6] * b + m[7]);
    px[i + 2] = clamp(m[8] * r + m[9] * g + m[10] * b + m[11]);
  }
}

const clamp = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));

const FRACTION = 4096; // the kernel's 12 fraction bits
const MAX_WEIGHT = 32767 / FRACTION; // weights travel as i16

interface I420Exports {
  memory: WebAssembly.Memory;
  rgbaToI420(src: number, dst: number, width: number, height: number, coef: number): void;
}

const PAGE = 65536;
const COEF = PAGE - 64;

let compiled: WebAssembly.Module | null | undefined;

/** The module, compiled once per thread; null where this runtime has no WebAssembly SIMD. */
function wasmModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  const bytes = readFileSync(new URL('./i420.wasm', import.meta.url));
  compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  return compiled;
}

/**
 * Converts frames of one size, alternating between two output buffers: the one handed out last
 * may still be on its way to ffmpeg while the next frame is converted into the other.
 */
export class I420Converter {
  private readonly exports: I420Exports;
  private readonly src: number;
  private readonly dst: [number, number];
  /** Views over the kernel's memory, made once (it never grows after the constructor). */
  private readonly srcView: Uint8Array;
  private readonly out: [Buffer, Buffer];
  private readonly coef: Int32Array;
  private readonly rgbaBytes: number;
  readonly frameBytes: number;
  private next = 0;
  /** The last matrix written to the kernel's coefficients, to skip rewriting an unchanged one. */
  private matrix: ColorMatrix | null = null;

  /** Null when the size has an odd side (4:2:0 needs even ones) or WebAssembly SIMD is missing. */
  static create(width: number, height: number): I420Converter | null {
    if (width % 2 || height % 2) return null;
    const mod = wasmModule();
    return mod ? new I420Converter(mod, width, height) : null;
  }

  private constructor(mod: WebAssembly.Module, private readonly width: number, private readonly height: number) {
    this.exports = new WebAssembly.Instance(mod, {}).exports as unknown as I420Exports;
    this.rgbaBytes = width * height * 4;
    this.frameBytes = (width * height * 3) / 2;
    // Page 0 is the module's own (it keeps nothing in memory; the coefficients go at its end);
    // the frames live above it. Grown once: growing later would detach buffers still being
    // written to ffmpeg.
    this.src = PAGE;
    this.dst = [this.src + this.rgbaBytes, this.src + this.rgbaBytes + this.frameBytes];
    const need = this.dst[1] + this.frameBytes;
    const memory = this.exports.memory;
    if (need > memory.buffer.byteLength) memory.grow(Math.ceil((need - memory.buffer.byteLength) / PAGE));
    this.srcView = new Uint8Array(memory.buffer, this.src, this.rgbaBytes);
    this.out = [Buffer.from(memory.buffer, this.dst[0], this.frameBytes), Buffer.from(memory.buffer, this.dst[1], this.frameBytes)];
    this.coef = new Int32Array(memory.buffer, COEF, 12);
  }

  /**
   * The I420 frame for `rgba` (width x height x 4 bytes), graded by `grade` on the way, in a
   * buffer reused two frames later.
   */
  convert(rgba: Uint8Array, grade: ColorMatrix = IDENTITY): Buffer {
    if (rgba.length !== this.rgbaBytes) throw new RangeError(`expected ${this.rgbaBytes} bytes of RGBA, got ${rgba.length}`);
    if (grade !== this.matrix) this.setMatrix(grade);
    this.srcView.set(rgba);
    const k = this.next;
    this.next ^= 1;
    this.exports.rgbaToI420(this.src, this.dst[k], this.width, this.height, COEF);
    return this.out[k];
  }

  private setMatrix(grade: ColorMatrix) {
    const m = composeColor(TO_YUV, grade);
    const coef = this.coef;
    for (let i = 0; i < 12; i++) {
      if (i % 4 === 3) coef[i] = Math.round(m[i] * FRACTION) + FRACTION / 2;
      else coef[i] = Math.round(Math.max(-MAX_WEIGHT, Math.min(MAX_WEIGHT, m[i])) * FRACTION);
    }
    this.matrix = grade;
  }
}
