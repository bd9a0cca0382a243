// Blobs in an S3-compatible bucket (AWS S3, MinIO, Cloudflare R2, s3rver), under an optional key prefix.
// Streams both ways: uploads go up in parts as they arrive, downloads are the response body.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  S3Client,
  HeadBucketCommand,
  HeadObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  DeleteObjectsCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { BlobStat, BlobStore } from './types.js';

const KEY = /^[a-z0-9_]+(\/[A-Za-z0-9_.-]+)*$/;

/** Parts of a multipart upload: S3's minimum. At most QUEUE parts are in flight, so an upload holds about (QUEUE + 1) parts in memory. */
const PART_BYTES = 5 * 1024 * 1024;
const QUEUE = 2;

const TYPES: Record<string, string> = { mp4: 'video/mp4', webp: 'image/webp', jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png' };

export interface S3Options {
  bucket: string;
  /** e.g. http://127.0.0.1:9000 for MinIO, https://<account>.r2.cloudflarestorage.com for R2; unset: AWS. */
  endpoint?: string | null;
  region?: string;
  /** Prepended to every key ('reelay' and 'reelay/' are the same). */
  prefix?: string;
  /** bucket in the path rather than the host name (MinIO, s3rver). */
  forcePathStyle?: boolean;
  /** Answer downloads with a redirect to a presigned URL rather than through reelay. */
  redirect?: boolean;
}

const isNotFound = (err: unknown) => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
};

export class S3BlobStore implements BlobStore {
  readonly client: S3Client;
  readonly bucket: string;
  readonly redirects: boolean;
  private readonly prefix: string;

  constructor(opts: S3Options) {
    this.bucket = opts.bucket;
    const p = opts.prefix ?? '';
    this.prefix = p === '' || p.endsWith('/') ? p : `${p}/`;
    this.redirects = opts.redirect ?? false;
    // Credentials: the SDK's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profiles, roles).
    // Checksums only where an operation needs one: MinIO, R2 and s3rver do not all take the SDK's
    // newer default (CRC32 trailers on every upload).
    this.client = new S3Client({
      region: opts.region || 'us-east-1',
      endpoint: opts.endpoint || undefined,
      forcePathStyle: opts.forcePathStyle ?? false,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  /** The object key for a blob key. */
  objectKey(key: string): string {
    if (!KEY.test(key) || key.includes('..')) throw new Error(`bad blob key: ${key}`);
    return this.prefix + key;
  }

  /** Fails, saying why, when the bucket cannot be reached with these settings and credentials. */
  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      const status = e.$metadata?.httpStatusCode;
      const why = status === 404 ? 'it does not exist (reelay does not create buckets)'
        : status === 403 ? 'access denied (check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the role)'
        : status === 301 ? 'it is in another region (set REELAY_S3_REGION)'
        : `${e.name ?? 'error'}${e.message && e.message !== e.name ? `: ${e.message}` : ''}`;
      const where = this.client.config.endpoint ? ` at ${await this.endpointText()}` : '';
      throw new Error(`S3 bucket '${this.bucket}'${where} cannot be reached: ${why}`, { cause: err });
    }
  }

  private async endpointText(): Promise<string> {
    const ep = await this.client.config.endpoint!();
    return `${ep.protocol}//${ep.hostname}${ep.port ? `:${ep.port}` : ''}${ep.path && ep.path !== '/' ? ep.path : ''}`;
  }

  async put(key: string, data: Readable | Buffer): Promise<BlobStat> {
    const Key = this.objectKey(key);
    if (Buffer.isBuffer(data)) {
      await this.upload(Key, data);
      return { bytes: data.length };
    }
    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    // A source that fails fails the upload (and the multipart upload is aborted: nothing is stored).
    data.on('error', (err) => counter.destroy(err));
    data.pipe(counter);
    await this.upload(Key, counter);
    return { bytes };
  }

  private async upload(Key: string, Body: Readable | Buffer): Promise<void> {
    const ext = Key.slice(Key.lastIndexOf('.') + 1).toLowerCase();
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key, Body, ContentType: TYPES[ext] ?? 'application/octet-stream' },
      partSize: PART_BYTES,
      queueSize: QUEUE,
    });
    await upload.done();
  }

  /** Streams the file up, then removes it (the file moves in, as on disk). */
  async putFile(key: string, path: string): Promise<BlobStat> {
    const Key = this.objectKey(key);
    const { size } = await stat(path);
    await this.upload(Key, createReadStream(path));
    await unlink(path).catch(() => {});
    return { bytes: size };
  }

  read(key: string, range?: { start: number; end: number }): Readable {
    const Key = this.objectKey(key);
    const out = new PassThrough();
    const ac = new AbortController();
    // A reader that goes away (a client hanging up) ends the request too.
    out.once('close', () => ac.abort());
    this.client
      .send(new GetObjectCommand({ Bucket: this.bucket, Key, Range: range ? `bytes=${range.start}-${range.end}` : undefined }), { abortSignal: ac.signal })
      .then((res) => pipeline(res.Body as Readable, out))
      .catch((err: unknown) => {
        if (!out.destroyed) out.destroy(isNotFound(err) ? Object.assign(new Error(`no blob ${key}`), { code: 'ENOENT', cause: err }) : (err as Error));
      });
    return out;
  }

  async stat(key: string): Promise<BlobStat | null> {
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return { bytes: res.ContentLength ?? 0 };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  /** Downloads a copy into `dir` (the caller's to remove; a job's work dir), reused when already there. */
  async localPath(key: string, dir: string): Promise<string> {
    const target = join(dir, `blob-${key.replace(/\//g, '__')}`);
    try {
      await stat(target);
      return target;
    } catch {
      // not there yet
    }
    await mkdir(dir, { recursive: true });
    const tmp = `${target}.tmp-${randomBytes(6).toString('hex')}`;
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      await pipeline(res.Body as Readable, createWriteStream(tmp));
      await rename(tmp, target);
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw err;
    }
    return target;
  }

  /** Removes every object under `prefix/`: a ListObjectsV2 page (up to 1000 keys) per DeleteObjects. */
  async deletePrefix(prefix: string): Promise<void> {
    const Prefix = `${this.objectKey(prefix)}/`;
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix, ContinuationToken, MaxKeys: 1000 }));
      const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
      if (keys.length) {
        const res = await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys, Quiet: true } }));
        const failed = (res.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
        if (failed.length) throw new Error(`S3 could not delete ${failed.length} object(s) under ${Prefix}: ${failed[0].Code} ${failed[0].Message ?? ''}`.trim());
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  async presignedUrl(key: string, seconds: number, contentType?: string): Promise<string> {
    const cmd = new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), ResponseContentType: contentType });
    return getSignedUrl(this.client, cmd, { expiresIn: seconds });
  }

  close(): void {
    this.client.destroy();
  }
}
