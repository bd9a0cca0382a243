// Blobs on local disk under <dataDir>/blobs.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, copyFile, unlink } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { BlobStat, BlobStore } from './types.js';

const KEY = /^[a-z0-9_]+(\/[A-Za-z0-9_.-]+)*$/;

export class FsBlobStore implements BlobStore {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private path(key: string): string {
    if (!KEY.test(key) || key.includes('..')) throw new Error(`bad blob key: ${key}`);
    const p = join(this.root, key);
    if (!p.startsWith(this.root + sep)) throw new Error(`bad blob key: ${key}`);
    return p;
  }

  private tmpPath(target: string): string {
    return `${target}.tmp-${randomBytes(6).toString('hex')}`;
  }

  async put(key: string, data: Readable | Buffer): Promise<BlobStat> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    const tmp = this.tmpPath(target);
    try {
      await pipeline(Buffer.isBuffer(data) ? Readable.from([data]) : data, createWriteStream(tmp));
      await rename(tmp, target);
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw err;
    }
    return { bytes: (await stat(target)).size };
  }

  async putFile(key: string, path: string): Promise<BlobStat> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    try {
      await rename(path, target);
    } catch {
      const tmp = this.tmpPath(target);
      await copyFile(path, tmp);
      await rename(tmp, target);
      await unlink(path).catch(() => {});
    }
    return { bytes: (await stat(target)).size };
  }

  read(key: string, range?: { start: number; end: number }): Readable {
    return createReadStream(this.path(key), range ? { start: range.start, end: range.end } : undefined);
  }

  async stat(key: string): Promise<BlobStat | null> {
    try {
      return { bytes: (await stat(this.path(key))).size };
    } catch {
      return null;
    }
  }

  async localPath(key: string): Promise<string> {
    return this.path(key);
  }

  async deletePrefix(prefix: string): Promise<void> {
    await rm(this.path(prefix), { recursive: true, force: true });
  }
}
