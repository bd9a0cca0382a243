// A proxy in front of a real server that loses answers on the way back: for the first POST
// carrying an Idempotency-Key that starts with `lose-`, it reads reelay's whole answer and then
// cuts the connection, as a network failure after the server did the work would. Everything else
// passes through. SDK retries can then be tested against the real server.
import { createServer, request, type Server } from 'node:http';

export interface LossyProxy {
  url: string;
  /** The answers it cut, by Idempotency-Key: the video or character id each would have carried. */
  lost: Map<string, string>;
  close(): Promise<void>;
}

export async function startLossyProxy(target: string): Promise<LossyProxy> {
  const lost = new Map<string, string>();
  const server: Server = createServer((req, res) => {
    const key = String(req.headers['idempotency-key'] ?? '');
    const upstream = request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
      const chunks: Buffer[] = [];
      up.on('data', (c: Buffer) => chunks.push(c));
      up.on('end', () => {
        const body = Buffer.concat(chunks);
        if (req.method === 'POST' && key.startsWith('lose-') && !lost.has(key)) {
          lost.set(key, (JSON.parse(body.toString()) as { id: string }).id);
          res.socket?.destroy();
          return;
        }
        res.writeHead(up.statusCode!, up.headers);
        res.end(body);
      });
    });
    upstream.on('error', () => res.socket?.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    lost,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
