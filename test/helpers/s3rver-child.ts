// s3rver in a process of its own (started by ./s3.ts with --openssl-legacy-provider: s3rver mints
// ListObjectsV2 continuation tokens with DES, which OpenSSL 3 refuses otherwise). It tells its
// parent the port, answers {type: 'requests'} with every request it took, and exits when the parent
// goes away.
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, Server } from 'node:http';
import S3rver from 's3rver';

const directory = process.argv[2];
const s3rver = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: process.env.S3RVER_LOG !== '1' });
// s3rver's DeleteObjects removes its keys all at once, and each removal then removes its folder
// when empty: two that empty it together race (ENOENT) and fail the whole call with an internal
// error. S3 has no folders; a folder already gone is a deletion done.
const fsStore = (s3rver as unknown as { store: { deleteObject(bucket: string, key: string): Promise<void> } }).store;
const deleteObject = fsStore.deleteObject.bind(fsStore);
fsStore.deleteObject = (b, k) => deleteObject(b, k).catch((err: NodeJS.ErrnoException) => {
  if (err.code !== 'ENOENT' && err.code !== 'ENOTEMPTY') throw err;
});
const { port } = (await s3rver.run()) as AddressInfo;
const requests: string[] = [];
(s3rver as unknown as { httpServer: Server }).httpServer.prependListener('request', (req: IncomingMessage) => requests.push(`${req.method} ${req.url}`));
process.on('message', (m: { type?: string; id?: number }) => {
  if (m.type === 'requests') process.send!({ type: 'requests', id: m.id, requests });
});
process.on('disconnect', () => process.exit(0));
process.send!({ type: 'ready', port });
