// /v1/videos and its sub-resources.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { videoObject, videoJson, characterObject, type VideoService } from '../../videos/index.js';
import type { Store, VideoRecord } from '../../store/index.js';
import type { BlobStore } from '../../blobs/index.js';
import { readBody, type BodyLimits } from '../body.js';
import { sendAsset } from '../content.js';
import { Idempotency, fingerprint, idempotencyKey, type Answer, type Outcome } from '../idempotency.js';
import { VIDEO_SCHEMA, VIDEO_LIST_SCHEMA } from '../schemas.js';

type IdParams = { Params: { id: string } };

const pollAfter = (status: string) => (status === 'queued' ? '2000' : status === 'in_progress' ? '1000' : null);

function sendVideo(reply: FastifyReply, v: VideoRecord) {
  const poll = pollAfter(v.status);
  if (poll) reply.header('openai-poll-after-ms', poll);
  return reply.send(videoObject(v));
}

const videoAnswer = (v: VideoRecord): Answer => ({ status: 200, body: videoObject(v) });

/** An answer as a POST sends it, first time or replayed: a video not finished carries the poll hint. */
function sendAnswer(reply: FastifyReply, a: Answer) {
  const body = a.body as { object?: string; status?: string };
  const poll = body.object === 'video' ? pollAfter(body.status ?? '') : null;
  if (poll) reply.header('openai-poll-after-ms', poll);
  return reply.code(a.status).send(a.body);
}

export interface IdempotencySettings {
  ttlMs: number;
  waitMs: number;
  abandonAfterMs: number;
}

export function videoRoutes(app: FastifyInstance, service: VideoService, blobs: BlobStore, limits: BodyLimits, store: Store, idem: IdempotencySettings) {
  // A request that stored its video or character and died before its answer was recorded: a
  // retry gets the resource as it is now.
  const idempotency = new Idempotency(store, idem, async (projectId, id) =>
    id.startsWith('char_') ? { status: 200, body: characterObject(await service.getCharacter(projectId, id)) } : videoAnswer(await service.get(projectId, id)),
  );

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
    type Input = Awaited<ReturnType<typeof readBody>>['input'];
    // Every POST: read the body, run the action once per Idempotency-Key, send (or replay) its answer.
    const post = (url: string, act: (req: FastifyRequest<IdParams>, input: Input) => Promise<Answer>) =>
      uploads.post<IdParams>(url, async (req, reply) => {
        const key = idempotencyKey(req);
        const body = await readBody(req, limits);
        let outcome: Outcome;
        try {
          if (key === null) outcome = { answer: await act(req, body.input), replayed: false };
          else {
            body.input.idempotencyKey = key;
            const print = await fingerprint('POST', req.url.split('?')[0], body.input);
            outcome = await idempotency.run(req.projectId, key, print, () => act(req, body.input));
          }
        } finally {
          await body.cleanup(); // before the answer: a client that got it finds no upload left behind
        }
        if (outcome.replayed) reply.header('idempotent-replayed', 'true');
        return sendAnswer(reply, outcome.answer);
      });

    post('/v1/videos', async (req, input) => videoAnswer(await service.create(req.projectId, input)));
    post('/v1/videos/:id/remix', async (req, input) => videoAnswer(await service.remix(req.projectId, req.params.id, input)));
    post('/v1/videos/edits', async (req, input) => videoAnswer(await service.edit(req.projectId, input)));
    post('/v1/videos/extensions', async (req, input) => videoAnswer(await service.extend(req.projectId, input)));
    post('/v1/videos/characters', async (req, input) => ({ status: 200, body: characterObject(await service.createCharacter(req.projectId, input)) }));
  });
}
