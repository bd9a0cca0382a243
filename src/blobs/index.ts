// The blob store's front door.
import { join } from 'node:path';
import { FsBlobStore } from './fs.js';
import type { BlobStore } from './types.js';

export * from './types.js';

export function openBlobs(dataDir: string): BlobStore {
  return new FsBlobStore(join(dataDir, 'blobs'));
}
