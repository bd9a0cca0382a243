// GET /v1/videos/{id}/events (extension): a server-sent-events stream of one video's life.
// Events: `status` and `progress` (data: the video object) whenever either changes, then one
// final `done` (data: the terminal video object) and the stream closes. If the video is deleted
// while watched, a final `error` event carries the 404 envelope.
// The stream polls the service (cheap: one indexed row read) rather than hooking the runner,
// so it works the same whichever process runs the job.
import type { FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import { ApiError, videoObject, type VideoService } from '../../videos/index.js';
import type { VideoRecord } from '../../store/index.js';

const POLL_MS = 300;
const KEEPALIVE_MS = 15_000;

const terminal = (v: VideoRecord) => v.status === 'completed' || v.status === 'failed';

export function eventRoutes(app: FastifyInstance, service: VideoService, opts: { pollMs?: number } = {}) {
  const pollMs = opts.pollMs ?? POLL_MS;
  const open = new Set<ServerResponse>();
  // Open streams would keep app.close() waiting forever: end them first.
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
  });

  app.get<{ Params: { id: string } }>('/v1/videos/:id/events', async (req, reply) => {
    const projectId = req.projectId;
    const id = req.params.id;
    let video = await service.get(projectId, id); // 404 in the envelope before any byte is streamed

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    open.add(res);

    const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    let timer: NodeJS.Timeout | undefined;
    let lastWrite = Date.now();
    const finish = () => {
      clearTimeout(timer);
      open.delete(res);
      if (!res.writableEnded) res.end();
    };
    res.on('close', finish); // the client went away

    res.write(`retry: 1000\n\n`);
    send('status', videoObject(video));
    let last = videoObject(video);

    const tick = async () => {
      if (res.writableEnded) return;
      if (terminal(video)) {
        send('done', videoObject(video));
        return finish();
      }
      try {
        video = await service.get(projectId, id);
      } catch (err) {
        if (err instanceof ApiError) send('error', err.toJSON());
        return finish();
      }
      if (res.writableEnded) return;
      const now = videoObject(video);
      if (now.status !== last.status) send('status', now);
      else if (now.progress !== last.progress) send('progress', now);
      else if (Date.now() - lastWrite > KEEPALIVE_MS) res.write(': keepalive\n\n');
      else {
        timer = setTimeout(tick, pollMs);
        return;
      }
      lastWrite = Date.now();
      last = now;
      timer = setTimeout(tick, terminal(video) ? 0 : pollMs);
    };
    timer = setTimeout(tick, terminal(video) ? 0 : pollMs);
  });
}
