// Liveness, readiness and metrics: no auth, no /v1 prefix.
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../metrics.js';
import type { Store } from '../../store/index.js';

export function healthRoutes(app: FastifyInstance, store: Store, metrics: Metrics, isReady: () => boolean) {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    try {
      await store.countByStatus();
    } catch {
      return reply.code(503).header('retry-after', '5').send({ status: 'store unavailable' });
    }
    if (!isReady()) return reply.code(503).header('retry-after', '5').send({ status: 'draining' });
    return { status: 'ready' };
  });
  app.get('/metrics', async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
}
