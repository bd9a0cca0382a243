// The runner's MP4 box reader: it may only say "H.264" where ffprobe says so too, and leaves every
// other file (other codecs, moov at the end, cut files, not an MP4) to ffprobe.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isH264Mp4 } from '../../src/jobs/mp4.js';
import { probe, run, tools } from '../../src/media/index.js';
import { tempDir } from '../helpers/server.js';

let dir: string;
const encode = async (name: string, args: string[]) => {
  const out = join(dir, name);
  await run(tools().ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x90:rate=12', '-t', '1', ...args, '-y', out]);
  return out;
};

before(() => {
  dir = tempDir('reelay-mp4-');
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('H.264 MP4s are recognised with moov first or last, and ffprobe agrees', async () => {
  const h264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];
  for (const file of [await encode('fast.mp4', [...h264, '-movflags', '+faststart']), await encode('last.mp4', h264)]) {
    assert.equal(await isH264Mp4(file), true, file);
    assert.equal((await probe(file)).codec, 'h264');
  }
  // Larger than the first read, moov last: found by walking the boxes on disk.
  const big = join(dir, 'big.mp4');
  await run(tools().ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=24,noise=alls=100:allf=t+u', '-t', '2', ...h264, '-y', big]);
  assert.ok(statSync(big).size > 256 * 1024);
  assert.equal(await isH264Mp4(big), true);
});

test('another codec, a cut file, and files that are not MP4 are left to ffprobe', async () => {
  const mpeg4 = await encode('mpeg4.mp4', ['-c:v', 'mpeg4']);
  assert.equal((await probe(mpeg4)).codec, 'mpeg4');
  assert.equal(await isH264Mp4(mpeg4), false);

  // Moov at the end, cut before it: nothing to read the codec from.
  const whole = readFileSync(await encode('cut-src.mp4', ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p']));
  const cut = join(dir, 'cut.mp4');
  writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
  assert.equal(await isH264Mp4(cut), false);

  const png = join(dir, 'frame.png');
  await run(tools().ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x90', '-frames:v', '1', '-y', png]);
  assert.equal(await isH264Mp4(png), false);
  const text = join(dir, 'text.mp4');
  writeFileSync(text, 'not a video at all, just some text that is long enough');
  assert.equal(await isH264Mp4(text), false);
  assert.equal(await isH264Mp4(join(dir, 'missing.mp4')), false);
});
