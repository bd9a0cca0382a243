// /v1/models: the OpenAI model list, each entry extended with what the model accepts.
import type { FastifyInstance } from 'fastify';
import { ApiError, modelObject, type ModelCatalog } from '../../videos/index.js';

export function modelRoutes(app: FastifyInstance, catalog: ModelCatalog) {
  app.get('/v1/models', async () => ({ object: 'list', data: catalog.list().map(modelObject) }));
  app.get<{ Params: { id: string } }>('/v1/models/:id', async (req) => {
    const m = catalog.get(req.params.id);
    // Same answer as an unknown model on create: 404 model_not_found.
    if (!m) throw new ApiError(404, `The model \`${req.params.id}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model', 'model_not_found');
    return modelObject(m);
  });
}
