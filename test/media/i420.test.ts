// The RGBA to I420 conversion the local engine does before frames reach ffmpeg.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { I420Converter, run, tools } from '../../src/media/index.js';

const root = new URL('../../', import.meta.url).pathname;

/** The same arithmetic, one pixel at a time: BT.601 limited range, chroma from the 2x2 mean. */
function reference(rgba: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array((w * h * 3) / 2);
  const u0 = w * h;
  const v0 = u0 + (w / 2) * (h / 2);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = (y * w + x) * 4;
      out[y * w + x] = ((66 * rgba[p] + 129 * rgba[p + 1] + 25 * rgba[p + 2] + 128) >> 8) + 16;
    }
  }
  for (let y = 0; y < h; y += 2) {
    for (let x = 0; x < w; x += 2) {
      const mean = (c: number) => {
        const at = (dx: number, dy: number) => rgba[((y + dy) * w + x + dx) * 4 + c];
        return (at(0, 0) + at(1, 0) + at(0, 1) + at(1, 1) + 2) >> 2;
      };
      const r = mean(0);
      const g = mean(1);
      const b = mean(2);
      const k = (y / 2) * (w / 2) + x / 2;
      out[u0 + k] = ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128;
      out[v0 + k] = ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128;
    }
  }
  return out;
}

function noise(w: number, h: number, seed: number): Uint8Array {
  const a = new Uint8Array(w * h * 4);
  let s = seed >>> 0;
  for (let i = 0; i < a.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = i % 4 === 3 ? 255 : s >>> 24;
  }
  return a;
}

/** A picture like the engine's: smooth gradients with a few hard edges. */
function scenery(w: number, h: number): Uint8Array {
  const a = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = (y * w + x) * 4;
      const inDisc = (x - w * 0.6) ** 2 + (y - h * 0.4) ** 2 < (h * 0.2) ** 2;
      a[p] = inDisc ? 250 : (x * 255) / w;
      a[p + 1] = inDisc ? 200 : (y * 255) / h;
      a[p + 2] = inDisc ? 40 : 255 - (x * 128) / w;
      a[p + 3] = 255;
    }
  }
  return a;
}

test('the committed i420.wasm is what wasm/i420.ts compiles to', () => {
  const dir = mkdtempSync(join(tmpdir(), 'reelay-wasm-'));
  try {
    const out = join(dir, 'i420.wasm');
    const script = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts['build:wasm'] as string;
    const args = script.split(' ').slice(1);
    args[args.indexOf('-o') + 1] = out;
    execFileSync(join(root, 'node_modules/.bin/asc'), args, { cwd: root, stdio: 'pipe' });
    assert.deepEqual(readFileSync(out), readFileSync(join(root, 'src/media/i420.wasm')), 'run `npm run build:wasm` and commit the result');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('conversion matches the per-pixel arithmetic exactly, SIMD columns and the leftover ones', () => {
  // 70 = four 16-pixel SIMD steps and three 2x2 blocks left over.
  for (const [w, h] of [[70, 6], [1280, 720], [2, 2]] as const) {
    const rgba = noise(w, h, w * 7 + h);
    const conv = I420Converter.create(w, h);
    assert.ok(conv, `a converter for ${w}x${h}`);
    const out = conv.convert(rgba);
    assert.equal(out.length, (w * h * 3) / 2);
    const want = reference(rgba, w, h);
    const diff = want.findIndex((v, i) => v !== out[i]);
    assert.equal(diff, -1, `${w}x${h}: first difference at byte ${diff}`);
  }
});

test('conversion agrees with ffmpeg converting the same RGBA itself', async () => {
  const [w, h] = [320, 180];
  const rgba = scenery(w, h);
  const ours = I420Converter.create(w, h)!.convert(rgba);
  const theirs = await run(tools().ffmpeg, ['-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgba', '-s', `${w}x${h}`, '-i', 'pipe:0', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1'], undefined, Buffer.from(rgba));
  assert.equal(theirs.length, ours.length);
  let sum = 0;
  let max = 0;
  for (let i = 0; i < ours.length; i++) {
    const d = Math.abs(ours[i] - theirs[i]);
    sum += d;
    max = Math.max(max, d);
  }
  // Rounding and ffmpeg's chroma filter differ by a level here and there, more along hard edges.
  assert.ok(sum / ours.length < 0.3, `mean difference ${sum / ours.length}`);
  assert.ok(max <= 12, `largest difference ${max}`);
});

test('two output buffers take turns, so the frame still being written is not overwritten', () => {
  const conv = I420Converter.create(32, 2)!;
  const a = conv.convert(noise(32, 2, 1));
  const aCopy = Buffer.from(a);
  const b = conv.convert(noise(32, 2, 2));
  assert.deepEqual(a, aCopy, 'the first frame is intact after the second is converted');
  assert.notDeepEqual(a, b);
  const c = conv.convert(noise(32, 2, 3));
  assert.equal(c.byteOffset, a.byteOffset, 'the third frame reuses the first buffer');
  assert.throws(() => conv.convert(new Uint8Array(10)), RangeError);
});

test('odd sizes get no converter (4:2:0 needs even sides)', () => {
  assert.equal(I420Converter.create(33, 2), null);
  assert.equal(I420Converter.create(32, 3), null);
});
