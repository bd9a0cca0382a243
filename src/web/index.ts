// The playground page at / and its two assets, served as-is (no build step).
import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const read = (name: string) => readFileSync(fileURLToPath(new URL(`./${name}`, import.meta.url)), 'utf8');

const FILES: Record<string, { type: string; body: string }> = {
  '/': { type: 'text/html; charset=utf-8', body: read('playground.html') },
  '/playground.js': { type: 'text/javascript; charset=utf-8', body: read('playground.js') },
  '/playground.css': { type: 'text/css; charset=utf-8', body: read('playground.css') },
};

export function playgroundRoutes(app: FastifyInstance) {
  for (const [path, file] of Object.entries(FILES)) {
    app.get(path, async (_req, reply) =>
      reply
        .type(file.type)
        .header('cache-control', 'no-cache')
        // The page only talks to this origin; keys never leave it.
        .header('content-security-policy', "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; style-src 'self'; script-src 'self'; connect-src 'self'")
        .header('x-content-type-options', 'nosniff')
        .send(file.body),
    );
  }
}
