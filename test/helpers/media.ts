// Checks on produced files, with the same ffprobe/sharp reelay uses.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { probe } from '../../src/media/index.js';
import { tempDir } from './server.js';

export async function probeBuffer(buf: Buffer) {
  const file = join(tempDir('reelay-probe-'), 'v.mp4');
  writeFileSync(file, buf);
  return probe(file);
}

export async function imageInfo(buf: Buffer) {
  const m = await sharp(buf).metadata();
  return { format: m.format, width: m.width, height: m.height };
}
