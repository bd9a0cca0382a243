// RGBA (8 bits a channel) to I420 (yuv420p): BT.601 limited range, chroma from each 2x2 block's mean.
// 16 pixels of two rows at a time with SIMD; the columns left over go one 2x2 block at a time.

@inline function y16(r: v128, g: v128, b: v128): v128 {
  // 66R + 129G + 25B + 128 stays below 65536: exact in unsigned 16-bit lanes.
  let s = i16x8.add(i16x8.mul(r, i16x8.splat(66)), i16x8.mul(g, i16x8.splat(129)));
  s = i16x8.add(s, i16x8.add(i16x8.mul(b, i16x8.splat(25)), i16x8.splat(128)));
  return i16x8.add(i16x8.shr_u(s, 8), i16x8.splat(16));
}

// Each pixel vector regrouped as RRRR GGGG BBBB AAAA (one byte shuffle each).
@inline function group(p: v128): v128 {
  return i8x16.swizzle(p, i8x16(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15));
}
// 32-bit interleaves: [a0 b0 a1 b1] and [a2 b2 a3 b3].
@inline function lo32(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
}
@inline function hi32(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
}
@inline function lo64(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
}
@inline function hi64(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
}

@inline function luma(r: v128, g: v128, b: v128): v128 {
  const lo = y16(i16x8.extend_low_i8x16_u(r), i16x8.extend_low_i8x16_u(g), i16x8.extend_low_i8x16_u(b));
  const hi = y16(i16x8.extend_high_i8x16_u(r), i16x8.extend_high_i8x16_u(g), i16x8.extend_high_i8x16_u(b));
  return i8x16.narrow_i16x8_u(lo, hi);
}

@inline function mean(top: v128, bottom: v128): v128 {
  const s = i16x8.add(i16x8.extadd_pairwise_i8x16_u(top), i16x8.extadd_pairwise_i8x16_u(bottom));
  return i16x8.shr_u(i16x8.add(s, i16x8.splat(2)), 2);
}

@inline function chroma(r: v128, g: v128, b: v128, cr: i16, cg: i16, cb: i16): v128 {
  // |sum| <= 112 * 255 + 128: fits signed 16-bit lanes.
  let s = i16x8.add(i16x8.mul(r, i16x8.splat(cr)), i16x8.mul(g, i16x8.splat(cg)));
  s = i16x8.add(s, i16x8.add(i16x8.mul(b, i16x8.splat(cb)), i16x8.splat(128)));
  return i16x8.add(i16x8.shr_s(s, 8), i16x8.splat(128));
}

@inline function clamp8(v: i32): u8 {
  return <u8>(v < 0 ? 0 : v > 255 ? 255 : v);
}

function scalarBlock(top: usize, bottom: usize, y0: usize, y1: usize, u: usize, v: usize): void {
  let r = 0, g = 0, b = 0;
  for (let k = 0; k < 4; k++) {
    const p = k < 2 ? top + (<usize>k << 2) : bottom + (<usize>(k - 2) << 2);
    const pr = <i32>load<u8>(p), pg = <i32>load<u8>(p, 1), pb = <i32>load<u8>(p, 2);
    store<u8>((k < 2 ? y0 : y1) + <usize>(k & 1), <u8>(((66 * pr + 129 * pg + 25 * pb + 128) >> 8) + 16));
    r += pr; g += pg; b += pb;
  }
  r = (r + 2) >> 2; g = (g + 2) >> 2; b = (b + 2) >> 2;
  store<u8>(u, clamp8(((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128));
  store<u8>(v, clamp8(((112 * r - 94 * g - 18 * b + 128) >> 8) + 128));
}

/** Converts a width x height RGBA frame at `src` to I420 at `dst`. Width and height must be even. */
export function rgbaToI420(src: usize, dst: usize, width: i32, height: i32): void {
  const w = <usize>width;
  const cw = w >> 1;
  const uPlane = dst + w * <usize>height;
  const vPlane = uPlane + cw * (<usize>height >> 1);
  const simdW = w & ~(<usize>15);
  for (let row: usize = 0; row < <usize>height; row += 2) {
    const top = src + row * w * 4;
    const bottom = top + w * 4;
    const y0 = dst + row * w;
    const y1 = y0 + w;
    const u = uPlane + (row >> 1) * cw;
    const v = vPlane + (row >> 1) * cw;
    let x: usize = 0;
    for (; x < simdW; x += 16) {
      const t = top + x * 4;
      const t0 = v128.load(t), t1 = v128.load(t, 16), t2 = v128.load(t, 32), t3 = v128.load(t, 48);
      const ta = group(t0), tb = group(t1), tc = group(t2), td = group(t3);
      const tq0 = lo32(ta, tb), tq1 = hi32(ta, tb), tq2 = lo32(tc, td), tq3 = hi32(tc, td);
      const rt = lo64(tq0, tq2), gt = hi64(tq0, tq2), bt = lo64(tq1, tq3);
      v128.store(y0 + x, luma(rt, gt, bt));
      const d = bottom + x * 4;
      const d0 = v128.load(d), d1 = v128.load(d, 16), d2 = v128.load(d, 32), d3 = v128.load(d, 48);
      const da = group(d0), db = group(d1), dc = group(d2), dd = group(d3);
      const dq0 = lo32(da, db), dq1 = hi32(da, db), dq2 = lo32(dc, dd), dq3 = hi32(dc, dd);
      const rd = lo64(dq0, dq2), gd = hi64(dq0, dq2), bd = lo64(dq1, dq3);
      v128.store(y1 + x, luma(rd, gd, bd));
      const r = mean(rt, rd), g = mean(gt, gd), b = mean(bt, bd);
      const uv = i8x16.narrow_i16x8_u(chroma(r, g, b, -38, -74, 112), chroma(r, g, b, 112, -94, -18));
      v128.store64_lane(u + (x >> 1), uv, 0);
      v128.store64_lane(v + (x >> 1), uv, 1);
    }
    for (; x < w; x += 2) scalarBlock(top + x * 4, bottom + x * 4, y0 + x, y1 + x, u + (x >> 1), v + (x >> 1));
  }
}
