// The blob store's front door.
import { join } from 'node:path';
import type { Config } from '../config/index.js';
import { FsBlobStore } from './fs.js';
import { S3BlobStore } from './s3.js';
import type { BlobStore } from './types.js';

export * from './types.js';
export { S3BlobStore, type S3Options } from './s3.js';

/** Blobs on disk under <dataDir>/blobs. */
export function openBlobs(dataDir: string): BlobStore {
  return new FsBlobStore(join(dataDir, 'blobs'));
}

type BlobSettings = Pick<Config, 'dataDir' | 's3Bucket' | 's3Endpoint' | 's3Region' | 's3Prefix' | 's3ForcePathStyle' | 's3Redirect'>;

/** The configured store: an S3 bucket when s3Bucket is set (checked to be reachable: a start fails here, saying why), else disk. */
export async function connectBlobs(cfg: BlobSettings): Promise<BlobStore> {
  if (!cfg.s3Bucket) return openBlobs(cfg.dataDir);
  const s3 = new S3BlobStore({
    bucket: cfg.s3Bucket,
    endpoint: cfg.s3Endpoint,
    region: cfg.s3Region,
    prefix: cfg.s3Prefix,
    forcePathStyle: cfg.s3ForcePathStyle,
    redirect: cfg.s3Redirect,
  });
  try {
    await s3.check();
  } catch (err) {
    s3.close();
    throw err;
  }
  return s3;
}
