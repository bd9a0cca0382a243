// /v1/models: the OpenAI model list, each entry extended with what the model accepts.
import type { FastifyInstance } from 'fastify';
import { modelObject, notFound, type ModelCatalog } from '../../videos/index.js';

export function modelRoutes(app: FastifyInstance, catalog: ModelCatalog) {
  app.get('/v1/models', async () => ({ object: 'list', data: catalog.list().map(modelObject) }));
  app.get<{ Params: { id: string } }>('/v1/models/:id', async (req) => {
    const m = catalog.get(req.params.id);
    if (!m) throw notFound(`The model '${req.params.id}' does not exist`, 'model');
    return modelObject(m);
  });
}
