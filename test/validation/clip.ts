// A tiny real H.264 clip (ffmpeg's test source), for character and edit uploads.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, tools } from '../../src/media/index.js';
import { tempDir, rmrf } from '../helpers/server.js';

export async function makeClip(seconds = 2, size = '320x240'): Promise<Buffer> {
  const dir = tempDir('reelay-clip-');
  try {
    const out = join(dir, 'clip.mp4');
    await run(tools().ffmpeg, [
      '-v', 'error', '-f', 'lavfi', '-i', `testsrc=size=${size}:rate=24`, '-t', String(seconds),
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-y', out,
    ]);
    return readFileSync(out);
  } finally {
    rmrf(dir);
  }
}
