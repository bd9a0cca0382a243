// RGBA (8 bits a channel) to I420 (yuv420p) through a caller's 3x4 matrix: Y, U and V are each
// a weighted sum of R, G and B plus an offset, so a colour grade (grey, sepia, a tint) composed
// into the matrix costs nothing extra. Chroma comes from each 2x2 block's mean colour.
// 16 pixels of two rows at a time with SIMD; the columns left over go one 2x2 block at a time.
//
// The matrix is 12 i32 at `coef`: [yR yG yB yOff uR uG uB uOff vR vG vB vOff]. Weights are
// fixed point with 12 fraction bits and must lie within +-8 (they are used as i16); offsets are
// in the same units and include the rounding half. Results are clamped to 0..255.

const SHIFT = 12;

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

// 16-bit interleaves: [a0 b0 a1 b1 a2 b2 a3 b3] and [a4 b4 .. a7 b7].
@inline function lo16(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
}
@inline function hi16(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31);
}

/**
 * One output channel for 8 values of r, g, b (i16 lanes, 0..255): i16 lanes, unclamped.
 * `wrg` holds the r and g weights in alternate lanes and `wb` the b weight and 0, so each
 * i32x4.dot (one pmaddwd) gives r*wr + g*wg, or b*wb, for four values at once.
 */
@inline function weigh(r: v128, g: v128, b: v128, wrg: v128, wb: v128, off: v128): v128 {
  const zero = i16x8.splat(0);
  const lo = i32x4.add(i32x4.add(i32x4.dot_i16x8_s(lo16(r, g), wrg), i32x4.dot_i16x8_s(lo16(b, zero), wb)), off);
  const hi = i32x4.add(i32x4.add(i32x4.dot_i16x8_s(hi16(r, g), wrg), i32x4.dot_i16x8_s(hi16(b, zero), wb)), off);
  return i16x8.narrow_i32x4_s(i32x4.shr_s(lo, SHIFT), i32x4.shr_s(hi, SHIFT));
}

/** Luma of 16 pixels given as planes of bytes. */
@inline function luma(r: v128, g: v128, b: v128, yrg: v128, yb: v128, yo: v128): v128 {
  const rl = i16x8.extend_low_i8x16_u(r), gl = i16x8.extend_low_i8x16_u(g), bl = i16x8.extend_low_i8x16_u(b);
  const rh = i16x8.extend_high_i8x16_u(r), gh = i16x8.extend_high_i8x16_u(g), bh = i16x8.extend_high_i8x16_u(b);
  return i8x16.narrow_i16x8_u(weigh(rl, gl, bl, yrg, yb, yo), weigh(rh, gh, bh, yrg, yb, yo));
}

/** Two weights in alternate i16 lanes: [a b a b a b a b]. */
@inline function pair(a: i32, b: i32): v128 {
  return i16x8(<i16>a, <i16>b, <i16>a, <i16>b, <i16>a, <i16>b, <i16>a, <i16>b);
}

/** Means of 2x2 blocks: 8 values in i16 lanes from two rows of 16 bytes. */
@inline function mean(top: v128, bottom: v128): v128 {
  const s = i16x8.add(i16x8.extadd_pairwise_i8x16_u(top), i16x8.extadd_pairwise_i8x16_u(bottom));
  return i16x8.shr_u(i16x8.add(s, i16x8.splat(2)), 2);
}

@inline function clamp8(v: i32): u8 {
  return <u8>(v < 0 ? 0 : v > 255 ? 255 : v);
}

@inline function weighOne(c: usize, r: i32, g: i32, b: i32): u8 {
  return clamp8((load<i32>(c) * r + load<i32>(c, 4) * g + load<i32>(c, 8) * b + load<i32>(c, 12)) >> SHIFT);
}

function scalarBlock(coef: usize, top: usize, bottom: usize, y0: usize, y1: usize, u: usize, v: usize): void {
  let r = 0, g = 0, b = 0;
  for (let k = 0; k < 4; k++) {
    const p = k < 2 ? top + (<usize>k << 2) : bottom + (<usize>(k - 2) << 2);
    const pr = <i32>load<u8>(p), pg = <i32>load<u8>(p, 1), pb = <i32>load<u8>(p, 2);
    store<u8>((k < 2 ? y0 : y1) + <usize>(k & 1), weighOne(coef, pr, pg, pb));
    r += pr; g += pg; b += pb;
  }
  r = (r + 2) >> 2; g = (g + 2) >> 2; b = (b + 2) >> 2;
  store<u8>(u, weighOne(coef + 16, r, g, b));
  store<u8>(v, weighOne(coef + 32, r, g, b));
}

/** Converts a width x height RGBA frame at `src` to I420 at `dst`. Width and height must be even. */
export function rgbaToI420(src: usize, dst: usize, width: i32, height: i32, coef: usize): void {
  const yrg = pair(load<i32>(coef), load<i32>(coef, 4)), yb = pair(load<i32>(coef, 8), 0), yo = i32x4.splat(load<i32>(coef, 12));
  const urg = pair(load<i32>(coef, 16), load<i32>(coef, 20)), ub = pair(load<i32>(coef, 24), 0), uo = i32x4.splat(load<i32>(coef, 28));
  const vrg = pair(load<i32>(coef, 32), load<i32>(coef, 36)), vb = pair(load<i32>(coef, 40), 0), vo = i32x4.splat(load<i32>(coef, 44));
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
      const ta = group(v128.load(t)), tb = group(v128.load(t, 16)), tc = group(v128.load(t, 32)), td = group(v128.load(t, 48));
      const tq0 = lo32(ta, tb), tq1 = hi32(ta, tb), tq2 = lo32(tc, td), tq3 = hi32(tc, td);
      const rt = lo64(tq0, tq2), gt = hi64(tq0, tq2), bt = lo64(tq1, tq3);
      v128.store(y0 + x, luma(rt, gt, bt, yrg, yb, yo));
      const d = bottom + x * 4;
      const da = group(v128.load(d)), db = group(v128.load(d, 16)), dc = group(v128.load(d, 32)), dd = group(v128.load(d, 48));
      const dq0 = lo32(da, db), dq1 = hi32(da, db), dq2 = lo32(dc, dd), dq3 = hi32(dc, dd);
      const rd = lo64(dq0, dq2), gd = hi64(dq0, dq2), bd = lo64(dq1, dq3);
      v128.store(y1 + x, luma(rd, gd, bd, yrg, yb, yo));
      const r = mean(rt, rd), g = mean(gt, gd), b = mean(bt, bd);
      const uv = i8x16.narrow_i16x8_u(weigh(r, g, b, urg, ub, uo), weigh(r, g, b, vrg, vb, vo));
      v128.store64_lane(u + (x >> 1), uv, 0);
      v128.store64_lane(v + (x >> 1), uv, 1);
    }
    for (; x < w; x += 2) scalarBlock(coef, top + x * 4, bottom + x * 4, y0 + x, y1 + x, u + (x >> 1), v + (x >> 1));
  }
}
