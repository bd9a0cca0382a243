// Reference images: sniffing by bytes, decoding with a pixel cap, fitting to the video size.
import sharp from 'sharp';

export type ImageType = 'jpeg' | 'png' | 'webp';

/** Judges the type by magic bytes, never by the declared content type. */
export function sniffImage(buf: Buffer): ImageType | null {
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'jpeg';
  if (buf.length >= 8 && buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (buf.length >= 12 && buf.toString('latin1', 0, 4) === 'RIFF' && buf.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return null;
}

export class ImageRejected extends Error {
  constructor(message: string, readonly reason: 'type' | 'decode' | 'too_large' | 'mismatch') {
    super(message);
  }
}

export type Fit = 'crop' | 'pad' | 'stretch' | 'reject';

const SHARP_FIT = { crop: 'cover', pad: 'contain', stretch: 'fill' } as const;

/**
 * Decodes (pixel cap, EXIF orientation applied, metadata dropped) and fits the image to
 * width x height. Returns a PNG of exactly that size.
 */
export async function fitReference(buf: Buffer, width: number, height: number, fit: Fit, maxPixels: number): Promise<Buffer> {
  if (!sniffImage(buf)) throw new ImageRejected('The reference image must be a JPEG, PNG or WebP file.', 'type');
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    // Header only: no pixels are decoded here, so the cap is checked below with a clear message.
    meta = await sharp(buf, { limitInputPixels: false }).metadata();
  } catch {
    throw new ImageRejected('The reference image could not be decoded.', 'decode');
  }
  const w0 = meta.width ?? 0;
  const h0 = meta.height ?? 0;
  if (!w0 || !h0) throw new ImageRejected('The reference image could not be decoded.', 'decode');
  if (w0 * h0 > maxPixels) {
    throw new ImageRejected(`The reference image is too large: ${w0}x${h0} exceeds the ${maxPixels}-pixel limit.`, 'too_large');
  }
  const rotated = (meta.orientation ?? 1) >= 5;
  const w = rotated ? h0 : w0;
  const h = rotated ? w0 : h0;
  if (fit === 'reject' && (w !== width || h !== height)) {
    throw new ImageRejected('Inpaint image must match the requested width and height', 'mismatch');
  }
  try {
    return await sharp(buf, { limitInputPixels: maxPixels })
      .rotate()
      .resize(width, height, fit === 'reject' ? { fit: 'fill' } : { fit: SHARP_FIT[fit], background: { r: 0, g: 0, b: 0, alpha: 1 }, position: 'centre' })
      .flatten({ background: '#000000' })
      .png({ compressionLevel: 3 })
      .toBuffer();
  } catch {
    throw new ImageRejected('The reference image could not be decoded.', 'decode');
  }
}

export async function pngToWebp(png: Buffer, maxWidth: number): Promise<Buffer> {
  return sharp(png).resize({ width: maxWidth, withoutEnlargement: true }).webp({ quality: 82 }).toBuffer();
}
