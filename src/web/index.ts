// The playground page at /.
import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const page = readFileSync(fileURLToPath(new URL('./playground.html', import.meta.url)), 'utf8');

export function playgroundRoutes(app: FastifyInstance) {
  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(page));
}
