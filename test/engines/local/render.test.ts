// The local engine's renders, through LocalEngine.run with real ffmpeg. Clips are small (mostly
// 320x180, one second) so the file stays quick on two shared cores; every catalog size and every
// seconds value is still rendered once.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync, readFileSync } from 'node:fs';
import sharp from 'sharp';
import { render, frameHashes, framesAt, meanLuma, meanDiff, probe, scratch, cleanup, FPS } from './harness.js';
import { readSceneMeta } from '../../../src/engines/local/index.js';
import { PRO_SIZES, SECONDS } from '../../../src/videos/models.js';
import { run, tools } from '../../../src/media/index.js';

const W = 320;
const H = 180;
const SIZE = `${W}x${H}`;
after(cleanup);

/** Pixels brighter than `min` in every channel. */
const brightPixels = (rgba: Buffer, min = 215) => {
  let n = 0;
  for (let i = 0; i < rgba.length; i += 4) if (rgba[i] > min && rgba[i + 1] > min && rgba[i + 2] > min) n++;
  return n;
};

test('same prompt and seed give identical frames; another seed another composition', async () => {
  const prompt = 'three red balloons and a kite over a meadow, birds';
  const a = await render({ prompt, size: SIZE, seconds: '1', seed: 7 });
  const b = await render({ prompt, size: SIZE, seconds: '1', seed: 7 });
  const c = await render({ prompt, size: SIZE, seconds: '1', seed: 8 });
  const ha = await frameHashes(a.video, W, H);
  assert.equal(ha.length, FPS);
  assert.deepEqual(await frameHashes(b.video, W, H), ha);
  assert.equal(new Set(ha).size, ha.length, 'the frames move');
  const fa = (await framesAt(a.video, W, H, [12])).get(12)!;
  const fc = (await framesAt(c.video, W, H, [12])).get(12)!;
  assert.ok(meanDiff(fa, fc) > 2, `seed 8 differs from seed 7 by ${meanDiff(fa, fc).toFixed(2)}`);
});

test('every catalog size renders at exactly that size', async () => {
  for (const size of PRO_SIZES) {
    const [w, h] = size.split('x').map(Number);
    const r = await render({ prompt: 'a sailboat on the sea', size, seconds: '1' });
    const p = await probe(r.video);
    assert.deepEqual([p.width, p.height, p.codec, p.pixFmt, p.frames], [w, h, 'h264', 'yuv420p', FPS], size);
  }
});

test('every seconds value gives exactly that duration and frame count', async () => {
  // At a small size: the frame count is what is being checked, not the picture.
  for (const s of SECONDS) {
    const r = await render({ prompt: 'a train crossing the desert', size: '160x90', seconds: s });
    const p = await probe(r.video);
    assert.equal(p.frames, Number(s) * FPS, `${s}s frames`);
    assert.ok(Math.abs(p.duration - Number(s)) < 0.001, `${s}s lasts ${p.duration}`);
  }
});

test('the engine writes its own thumbnail and spritesheet from the painted frames', async () => {
  const r = await render({ prompt: 'a lighthouse on the sea at sunset', size: '1280x720', seconds: '1' });
  const thumb = await sharp(readFileSync(r.assets.thumbnail!)).metadata();
  const sheet = await sharp(readFileSync(r.assets.spritesheet!)).metadata();
  assert.deepEqual([thumb.format, thumb.width, thumb.height], ['webp', 640, 360]);
  assert.deepEqual([sheet.format, sheet.width, sheet.height], ['jpeg', 800, 450]);
});

test('night is darker than day, and snow adds bright particles', async () => {
  const at = async (prompt: string) => (await framesAt((await render({ prompt, size: SIZE, seconds: '1', seed: 3 })).video, W, H, [12])).get(12)!;
  const day = await at('a house in a meadow during the day');
  const night = await at('a house in a meadow at night');
  assert.ok(meanLuma(night) < meanLuma(day) - 40, `night ${meanLuma(night).toFixed(1)} vs day ${meanLuma(day).toFixed(1)}`);
  const clear = await at('a house in a meadow at dusk');
  const snow = await at('a house in a meadow at dusk while snow falls');
  assert.ok(brightPixels(snow) > brightPixels(clear) + 200, `bright pixels: snow ${brightPixels(snow)}, clear ${brightPixels(clear)}`);
});

test('falling snow over a panning camera gives the same frames for the same seed', async () => {
  const prompt = 'hot air balloons over snowy mountains, slow pan left';
  const a = await render({ prompt, size: SIZE, seconds: '1', seed: 5 });
  const b = await render({ prompt, size: SIZE, seconds: '1', seed: 5 });
  const ha = await frameHashes(a.video, W, H);
  assert.deepEqual(await frameHashes(b.video, W, H), ha);
  assert.equal(new Set(ha).size, ha.length, 'every frame moves');
  const clear = (await framesAt((await render({ prompt: 'hot air balloons over mountains, slow pan left', size: SIZE, seconds: '1', seed: 5 })).video, W, H, [12])).get(12)!;
  const snow = (await framesAt(a.video, W, H, [12])).get(12)!;
  assert.ok(brightPixels(snow) > brightPixels(clear) + 100, `bright pixels: snow ${brightPixels(snow)}, clear ${brightPixels(clear)}`);
});

test('unknown words still render a picture', async () => {
  const r = await render({ prompt: 'quantum marmalade symphony of velvet echoes', size: SIZE, seconds: '1' });
  const f = (await framesAt(r.video, W, H, [0])).get(0)!;
  const lumas: number[] = [];
  for (let y = 0; y < H; y += 20) for (let x = 0; x < W; x += 20) lumas.push(f[(y * W + x) * 4 + 1]);
  assert.ok(Math.max(...lumas) - Math.min(...lumas) > 30, 'not a flat frame');
});

test('a reference image is frame 0, then the camera moves and the weather comes in', async () => {
  const dir = scratch();
  const ref = join(dir, 'ref.png');
  // A picture with structure: stripes and a disc, at exactly the video size (as the service fits it).
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><rect width="100%" height="100%" fill="#3a6ea5"/>` +
    `<rect y="110" width="${W}" height="70" fill="#6a994e"/><circle cx="90" cy="60" r="30" fill="#f2c14e"/>` +
    Array.from({ length: 8 }, (_, i) => `<rect x="${i * 40}" y="120" width="18" height="60" fill="#386641"/>`).join('') + '</svg>';
  writeFileSync(ref, await sharp(Buffer.from(svg)).png().toBuffer());
  const r = await render({ prompt: 'snow falling, zoom in', size: SIZE, seconds: '2', inputs: { referencePath: ref } });
  const refRgba = await sharp(ref).ensureAlpha().raw().toBuffer();
  const frames = await framesAt(r.video, W, H, [0, 47]);
  const d0 = meanDiff(frames.get(0)!, refRgba);
  const dEnd = meanDiff(frames.get(47)!, refRgba);
  assert.ok(d0 < 3, `frame 0 differs from the image by ${d0.toFixed(2)}`);
  assert.ok(dEnd > d0 + 3, `the last frame has moved on (${dEnd.toFixed(2)})`);
  assert.ok(brightPixels(frames.get(47)!) > brightPixels(frames.get(0)!) + 50, `snow on top of the image: ${brightPixels(frames.get(47)!)} vs ${brightPixels(frames.get(0)!)}`);
  // A time of day in the prompt tints the image itself, from frame 0 (untouched) on.
  const night = await render({ prompt: 'at night', size: SIZE, seconds: '2', inputs: { referencePath: ref } });
  const nf = await framesAt(night.video, W, H, [0, 47]);
  assert.ok(meanDiff(nf.get(0)!, refRgba) < 3, 'frame 0 is still the image');
  assert.ok(meanLuma(nf.get(47)!) < meanLuma(nf.get(0)!) - 30, `night falls on the image: ${meanLuma(nf.get(47)!).toFixed(1)} vs ${meanLuma(nf.get(0)!).toFixed(1)}`);
});

test('a remix keeps the composition and changes only what its prompt names', async () => {
  const source = await render({ prompt: 'three red balloons over a meadow, static', size: SIZE, seconds: '1', seed: 11 });
  const remix = await render({
    prompt: 'make it night',
    kind: 'remix',
    size: SIZE,
    seconds: '1',
    seed: 11,
    inputs: { sourceVideoPath: source.video, source: source.record },
  });
  const meta = await readSceneMeta(remix.video);
  assert.equal(meta?.scene.time, 'night');
  assert.deepEqual(meta?.scene.subjects, (await readSceneMeta(source.video))?.scene.subjects);
  // The remix is the same picture a fresh night prompt with that seed gives: same places, new light.
  const fresh = await render({ prompt: 'three red balloons over a meadow at night, static', size: SIZE, seconds: '1', seed: 11 });
  const [fr, ff, fs] = await Promise.all([remix, fresh, source].map(async (x) => (await framesAt(x.video, W, H, [12])).get(12)!));
  assert.ok(meanDiff(fr, ff) < 1, `remix vs fresh night render: ${meanDiff(fr, ff).toFixed(2)}`);
  assert.ok(meanLuma(fr) < meanLuma(fs) - 40, 'and it is night');
});

test('an extension continues from the last frame in one stitched file', async () => {
  // Threshold: the first new frame differs from the last source frame by less than 4 levels of
  // 255 on average (one frame of motion plus encoding), while a cut to another scene is 20+.
  const THRESHOLD = 4;
  const check = async (source: string, prompt: string, total: string) => {
    const ext = await render({ prompt, kind: 'extension', size: SIZE, seconds: total, inputs: { sourceVideoPath: source } });
    const p = await probe(ext.video);
    assert.equal(p.frames, Number(total) * FPS);
    const srcFrames = (await probe(source)).frames!;
    const f = await framesAt(ext.video, W, H, [srcFrames - 1, srcFrames]);
    const d = meanDiff(f.get(srcFrames - 1)!, f.get(srcFrames)!);
    assert.ok(d < THRESHOLD, `${prompt}: seam differs by ${d.toFixed(2)}`);
    return ext;
  };
  const painted = await render({ prompt: 'a sailboat and birds on the sea at sunset, pan right', size: SIZE, seconds: '1' });
  await check(painted.video, 'the boat sails on', '2');
  await check(painted.video, 'it starts to snow', '2');
  // A video the engine did not paint continues from its last frame as a still.
  const foreign = join(scratch(), 'foreign.mp4');
  await run(tools().ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${SIZE}:rate=24`, '-frames:v', '24', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', foreign]);
  await check(foreign, 'then fog rolls in', '2');
  const cut = await render({ prompt: 'a city at night', size: SIZE, seconds: '1' });
  const a = (await framesAt(painted.video, W, H, [-1])).get(-1)!;
  const b = (await framesAt(cut.video, W, H, [0])).get(0)!;
  assert.ok(meanDiff(a, b) > 5 * THRESHOLD, 'the threshold is far below what a cut looks like');
});

test('an edit transforms the source video frames', async () => {
  const source = await render({ prompt: 'a lighthouse and a sailboat on the sea at noon', size: SIZE, seconds: '1' });
  const edit = await render({ prompt: 'make it night', kind: 'edit', size: SIZE, seconds: '1', inputs: { sourceVideoPath: source.video } });
  const s = (await framesAt(source.video, W, H, [12])).get(12)!;
  const e = (await framesAt(edit.video, W, H, [12])).get(12)!;
  assert.ok(meanLuma(e) < meanLuma(s) * 0.6, 'darker');
  // Same picture underneath: luma of the two frames is strongly correlated.
  const ls: number[] = [];
  const le: number[] = [];
  for (let i = 0; i < s.length; i += 16) {
    ls.push(s[i] + s[i + 1] + s[i + 2]);
    le.push(e[i] + e[i + 1] + e[i + 2]);
  }
  const mean = (v: number[]) => v.reduce((x, y) => x + y, 0) / v.length;
  const ms = mean(ls);
  const me = mean(le);
  let num = 0;
  let ds = 0;
  let de = 0;
  for (let i = 0; i < ls.length; i++) {
    num += (ls[i] - ms) * (le[i] - me);
    ds += (ls[i] - ms) ** 2;
    de += (le[i] - me) ** 2;
  }
  assert.ok(num / Math.sqrt(ds * de) > 0.8, `correlation ${(num / Math.sqrt(ds * de)).toFixed(2)}`);
});

test("a character's key frame appears in the video", async () => {
  const frame = join(scratch(), 'char.png');
  writeFileSync(frame, await sharp({ create: { width: 64, height: 64, channels: 3, background: '#ff00ff' } }).png().toBuffer());
  const magenta = (rgba: Buffer) => {
    let n = 0;
    for (let i = 0; i < rgba.length; i += 4) if (rgba[i] > 200 && rgba[i + 1] < 80 && rgba[i + 2] > 200) n++;
    return n;
  };
  const withChar = await render({ prompt: 'Mika walks through a meadow', size: SIZE, seconds: '1', inputs: { characters: [{ id: 'char_1', name: 'Mika', framePath: frame, clipPath: frame }] } });
  const without = await render({ prompt: 'Mika walks through a meadow', size: SIZE, seconds: '1' });
  const a = (await framesAt(withChar.video, W, H, [12])).get(12)!;
  const b = (await framesAt(without.video, W, H, [12])).get(12)!;
  assert.ok(magenta(a) > 1000, `character pixels: ${magenta(a)}`);
  assert.equal(magenta(b), 0);
});
