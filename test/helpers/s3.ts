// A real S3-compatible server (s3rver) on 127.0.0.1, an ephemeral port and a temp directory, with
// one bucket made through the S3 API. It runs as a child process that never keeps the test process
// alive and exits when the test process does; its directory is removed on close (or at exit).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fork } from 'node:child_process';
import { S3Client, CreateBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';

/** s3rver's fixed credentials. */
export const S3_ENV = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };

export interface TestS3 {
  endpoint: string;
  bucket: string;
  /** Environment for a child `reelay serve` (credentials and REELAY_S3_*). */
  env: Record<string, string>;
  /** A client of its own, for looking at what is in the bucket. */
  client: S3Client;
  /** Each request the server has taken, as "METHOD /path?query", oldest first. */
  requests(): Promise<string[]>;
  /** Every key in the bucket (under `prefix`). */
  keys(prefix?: string): Promise<string[]>;
  close(): Promise<void>;
}

/** Starts s3rver; also sets s3rver's credentials in this process's environment (the SDK's default chain reads them). */
export async function startS3(bucket = 'reelay-test'): Promise<TestS3> {
  Object.assign(process.env, S3_ENV);
  const directory = mkdtempSync(join(tmpdir(), 'reelay-s3-'));
  const cleanup = () => rmSync(directory, { recursive: true, force: true });
  process.once('exit', cleanup);
  const child = fork(join(import.meta.dirname, 's3rver-child.ts'), [directory], {
    execArgv: ['--openssl-legacy-provider', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('s3rver did not start in 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code}) before it was ready`)));
    child.on('message', (m: { type?: string; port?: number }) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        resolve(m.port!);
      }
    });
  });
  // Neither the child nor its channel holds this process's event loop.
  child.unref();
  child.channel?.unref();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  let asked = 0;
  let closed = false;
  return {
    endpoint,
    bucket,
    env: { ...S3_ENV, REELAY_S3_BUCKET: bucket, REELAY_S3_ENDPOINT: endpoint, REELAY_S3_FORCE_PATH_STYLE: 'true' },
    client,
    requests() {
      const id = ++asked;
      return new Promise((resolve) => {
        const on = (m: { type?: string; id?: number; requests?: string[] }) => {
          if (m.type !== 'requests' || m.id !== id) return;
          child.off('message', on);
          child.channel?.unref();
          resolve(m.requests!);
        };
        child.on('message', on);
        child.channel?.ref(); // held while the answer is awaited
        child.send({ type: 'requests', id });
      });
    },
    async keys(prefix = '') {
      const out: string[] = [];
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }));
        for (const o of page.Contents ?? []) if (o.Key) out.push(o.Key);
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
      return out.sort();
    },
    async close() {
      if (closed) return;
      closed = true;
      client.destroy();
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.ref(); // held until it has exited, or this process could end first
        child.kill();
        await exited;
      }
      cleanup();
      process.removeListener('exit', cleanup);
    },
  };
}
