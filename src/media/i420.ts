// RGBA frames to I420 (yuv420p, BT.601 limited range) before they reach ffmpeg. ffmpeg's own
// conversion of RGBA input costs about 2.7 ms a 1280x720 frame on its main thread; this SIMD
// WebAssembly one about 0.3 ms, and the pipe then carries 1.5 bytes a pixel instead of 4.
// Source: wasm/i420.ts (AssemblyScript); `npm run build:wasm` rebuilds src/media/i420.wasm.
import { readFileSync } from 'node:fs';

interface I420Exports {
  memory: WebAssembly.Memory;
  rgbaToI420(src: number, dst: number, width: number, height: number): void;
}

const PAGE = 65536;

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
  private readonly rgbaBytes: number;
  readonly frameBytes: number;
  private next = 0;

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
    // Page 0 is the module's own; the frames live above it. Grown once: growing later would
    // detach buffers still being written to ffmpeg.
    this.src = PAGE;
    this.dst = [this.src + this.rgbaBytes, this.src + this.rgbaBytes + this.frameBytes];
    const need = this.dst[1] + this.frameBytes;
    const memory = this.exports.memory;
    if (need > memory.buffer.byteLength) memory.grow(Math.ceil((need - memory.buffer.byteLength) / PAGE));
  }

  /** The I420 frame for `rgba` (width x height x 4 bytes), in a buffer reused two frames later. */
  convert(rgba: Uint8Array): Buffer {
    if (rgba.length !== this.rgbaBytes) throw new RangeError(`expected ${this.rgbaBytes} bytes of RGBA, got ${rgba.length}`);
    const buffer = this.exports.memory.buffer;
    new Uint8Array(buffer, this.src, this.rgbaBytes).set(rgba);
    const dst = this.dst[this.next];
    this.next ^= 1;
    this.exports.rgbaToI420(this.src, dst, this.width, this.height);
    return Buffer.from(buffer, dst, this.frameBytes);
  }
}
