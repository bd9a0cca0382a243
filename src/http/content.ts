// Streams an asset with Range (206) and ETag (304) support; never buffers the file.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AssetRecord } from '../store/index.js';
import type { BlobStore } from '../blobs/index.js';
import { ApiError } from '../videos/index.js';

export async function sendAsset(req: FastifyRequest, reply: FastifyReply, blobs: BlobStore, asset: AssetRecord) {
  // The file can go between the lookup and here (the sweeper expiring it, a delete): that is expiry, not a fault.
  if (!(await blobs.stat(asset.key))) {
    throw new ApiError(404, `The content of video '${asset.videoId}' has expired.`, 'invalid_request_error', null, 'video_expired');
  }
  const size = asset.bytes;
  // HEAD answers the same headers; the file is never opened.
  const head = req.method === 'HEAD';
  reply.header('content-type', asset.contentType);
  reply.header('etag', asset.etag);
  reply.header('accept-ranges', 'bytes');
  reply.header('cache-control', 'private, max-age=3600');
  const inm = req.headers['if-none-match'];
  if (inm && inm.split(',').map((s) => s.trim().replace(/^W\//, '')).some((t) => t === asset.etag || t === '*')) {
    return reply.code(304).send();
  }
  // A store that serves downloads itself (S3 with s3Redirect): the client fetches the bytes from
  // there, Range included; the URL lasts 5 minutes, so the redirect is never cached.
  if (!head && blobs.redirects && blobs.presignedUrl) {
    const url = await blobs.presignedUrl(asset.key, 300, asset.contentType);
    for (const h of ['content-type', 'etag', 'accept-ranges']) reply.removeHeader(h);
    return reply.code(302).header('cache-control', 'no-store').header('location', url).send();
  }
  const range = req.headers.range;
  const ifRange = req.headers['if-range'];
  if (range && (!ifRange || ifRange === asset.etag)) {
    const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    if (m && (m[1] !== '' || m[2] !== '')) {
      let start: number;
      let end: number;
      if (m[1] === '') {
        start = Math.max(0, size - Number(m[2]));
        end = size - 1;
      } else {
        start = Number(m[1]);
        end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
      }
      if (start >= size || start > end) {
        reply.header('content-range', `bytes */${size}`);
        return reply.code(416).type('application/json').send({
          error: { message: `The requested range is not satisfiable for a ${size}-byte file.`, type: 'invalid_request_error', param: null, code: 'range_not_satisfiable' },
        });
      }
      reply.header('content-range', `bytes ${start}-${end}/${size}`);
      reply.header('content-length', end - start + 1);
      return reply.code(206).send(head ? undefined : blobs.read(asset.key, { start, end }));
    }
  }
  reply.header('content-length', size);
  return reply.code(200).send(head ? undefined : blobs.read(asset.key));
}
