// Reads an MP4's box headers (no decoding, no child process) to tell whether its video track is H.264.
// The runner checks every finished video; with thousands of upstream jobs finishing, one ffprobe
// process per video costs more than the rest of the completion put together.
import { open, type FileHandle } from 'node:fs/promises';

/** Beyond these the file is left to ffprobe. */
const MAX_TOP_BOXES = 64;
const MAX_MOOV_BYTES = 32 * 1024 * 1024;
const CONTAINERS = new Set(['trak', 'mdia', 'minf', 'stbl']);

interface Box {
  type: string;
  start: number; // payload start
  end: number;
}

function* boxes(buf: Buffer, from: number, to: number): Generator<Box> {
  let pos = from;
  while (pos + 8 <= to) {
    let size = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    let header = 8;
    if (size === 1) {
      if (pos + 16 > to) return;
      size = Number(buf.readBigUInt64BE(pos + 8));
      header = 16;
    } else if (size === 0) {
      size = to - pos;
    }
    if (size < header || pos + size > to) return;
    yield { type, start: pos + header, end: pos + size };
    pos += size;
  }
}

/** Read at first: a fast-start MP4's moov is usually inside, so one read serves the whole walk. */
const FIRST_READ = 64 * 1024;

async function readAt(fh: FileHandle, pos: number, length: number, first: Buffer): Promise<Buffer> {
  if (pos + length <= first.length) return first.subarray(pos, pos + length);
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, pos);
  return buf.subarray(0, bytesRead);
}

/** The moov box's payload, found by walking the top-level boxes (it may come after mdat). */
async function readMoov(fh: FileHandle): Promise<Buffer | null> {
  const first = await readAt(fh, 0, FIRST_READ, Buffer.alloc(0));
  const fileSize = first.length < FIRST_READ ? first.length : (await fh.stat()).size;
  const read = (pos: number, length: number) => readAt(fh, pos, length, first);
  let pos = 0;
  for (let n = 0; n < MAX_TOP_BOXES && pos + 8 <= fileSize; n++) {
    const head = await read(pos, Math.min(16, fileSize - pos));
    if (head.length < 8) return null;
    let size = head.readUInt32BE(0);
    let header = 8;
    if (size === 1) {
      if (head.length < 16) return null;
      size = Number(head.readBigUInt64BE(8));
      header = 16;
    } else if (size === 0) {
      size = fileSize - pos;
    }
    if (size < header || pos + size > fileSize) return null;
    if (head.toString('latin1', 4, 8) === 'moov') {
      if (size - header > MAX_MOOV_BYTES) return null;
      return read(pos + header, size - header);
    }
    pos += size;
  }
  return null;
}

/** The sample entry format of the track's first sample description (e.g. avc1), or null. */
function videoFormat(moov: Buffer, trak: Box): string | null {
  let handler: string | null = null;
  let format: string | null = null;
  const walk = (from: number, to: number) => {
    for (const b of boxes(moov, from, to)) {
      if (CONTAINERS.has(b.type)) walk(b.start, b.end);
      // hdlr: version+flags, pre_defined, then the handler type.
      else if (b.type === 'hdlr' && b.end - b.start >= 12) handler = moov.toString('latin1', b.start + 8, b.start + 12);
      // stsd: version+flags, entry count, then the first entry (size, format).
      else if (b.type === 'stsd' && b.end - b.start >= 16 && moov.readUInt32BE(b.start + 4) > 0) format = moov.toString('latin1', b.start + 12, b.start + 16);
    }
  };
  walk(trak.start, trak.end);
  return handler === 'vide' ? format : null;
}

/**
 * True when the file is an MP4 whose first video track is H.264 (avc1/avc3). False means "not
 * settled here" (another codec, an unusual layout, or not an MP4): the caller asks ffprobe.
 */
export async function isH264Mp4(path: string): Promise<boolean> {
  let fh: FileHandle | null = null;
  try {
    fh = await open(path, 'r');
    const moov = await readMoov(fh);
    if (!moov) return false;
    for (const b of boxes(moov, 0, moov.length)) {
      if (b.type !== 'trak') continue;
      const format = videoFormat(moov, b);
      if (format !== null) return format === 'avc1' || format === 'avc3';
    }
    return false;
  } catch {
    return false;
  } finally {
    await fh?.close();
  }
}
