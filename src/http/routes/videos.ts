// /v1/videos and its sub-resources.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { videoObject, videoJson, characterObject, type VideoService } from '../../videos/index.js';
import type { VideoRecord } from '../../store/index.js';
import type { BlobStore } from '../../blobs/index.js';
import { readBody, type BodyLimits } from '../body.js';
import { sendAsset } from '../content.js';
import { VIDEO_SCHEMA, VIDEO_LIST_SCHEMA } from '../schemas.js';

type IdParams = { Params: { id: string } };

function sendVideo(reply: FastifyReply, v: VideoRecord) {
  if (v.status === 'queued' || v.status === 'in_progress') reply.header('openai-poll-after-ms', v.status === 'queued' ? '2000' : '1000');
  return reply.send(videoObject(v));
}

export function videoRoutes(app: FastifyInstance, service: VideoService, blobs: BlobStore, limits: BodyLimits) {
  app.get('/v1/videos', { schema: { response: { 200: VIDEO_LIST_SCHEMA } } }, async (req, reply) => {
    const page = await service.list(req.projectId, req.query as Record<string, unknown>);
    return reply.send({
      object: 'list',
      data: page.data.map(videoObject),
      first_id: page.data[0]?.id ?? null,
      last_id: page.data[page.data.length - 1]?.id ?? null,
      has_more: page.hasMore,
    });
  });

  // A cached finished video is usually answered by the poll lane (../poll-lane.ts) before it
  // gets here; this route answers everything else, and the same body when it does see one.
  const sendFinished = (reply: FastifyReply, v: VideoRecord) => reply.type('application/json; charset=utf-8').send(videoJson(v));
  app.get<IdParams>('/v1/videos/:id', { schema: { response: { 200: VIDEO_SCHEMA } } }, (req, reply) => {
    const cached = service.peek(req.projectId, req.params.id);
    if (cached) return sendFinished(reply, cached);
    return service.get(req.projectId, req.params.id).then((v) => (v.status === 'completed' || v.status === 'failed' ? sendFinished(reply, v) : sendVideo(reply, v)));
  });

  app.delete<IdParams>('/v1/videos/:id', async (req, reply) => {
    const v = await service.delete(req.projectId, req.params.id);
    return reply.send({ id: v.id, object: 'video.deleted', deleted: true });
  });

  // HEAD is declared here rather than left to fastify's automatic HEAD route, which reads the
  // whole stream to throw it away and sets content-length to 0 when there is none.
  app.route<IdParams & { Querystring: { variant?: string } }>({ method: ['GET', 'HEAD'], url: '/v1/videos/:id/content', handler: async (req, reply) => {
    for (const key of Object.keys(req.query)) {
      if (key !== 'variant') {
        return reply.code(400).send({ error: { message: `Unknown parameter: '${key}'.`, type: 'invalid_request_error', param: key, code: 'unknown_parameter' } });
      }
    }
    const asset = await service.content(req.projectId, req.params.id, req.query.variant);
    return sendAsset(req, reply, blobs, asset);
  } });

  app.get<IdParams>('/v1/videos/characters/:id', async (req, reply) => reply.send(characterObject(await service.getCharacter(req.projectId, req.params.id))));

  // Bodies (JSON or multipart) only reach these routes; multipart's per-request hooks stay out of the reads.
  app.register(async (uploads) => {
    await uploads.register(multipart, { throwFileSizeLimit: true });
    const withBody = async <T>(req: FastifyRequest, fn: (input: Awaited<ReturnType<typeof readBody>>['input']) => Promise<T>) => {
      const body = await readBody(req, limits);
      try {
        return await fn(body.input);
      } finally {
        await body.cleanup();
      }
    };

    uploads.post('/v1/videos', async (req, reply) => sendVideo(reply, await withBody(req, (input) => service.create(req.projectId, input))));

    uploads.post<IdParams>('/v1/videos/:id/remix', async (req, reply) =>
      sendVideo(reply, await withBody(req, (input) => service.remix(req.projectId, req.params.id, input))),
    );

    uploads.post('/v1/videos/edits', async (req, reply) => sendVideo(reply, await withBody(req, (input) => service.edit(req.projectId, input))));

    uploads.post('/v1/videos/extensions', async (req, reply) => sendVideo(reply, await withBody(req, (input) => service.extend(req.projectId, input))));

    uploads.post('/v1/videos/characters', async (req, reply) =>
      reply.send(characterObject(await withBody(req, (input) => service.createCharacter(req.projectId, input)))),
    );
  });
}
