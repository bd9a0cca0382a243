// The fastify app: request ids, timing headers, auth on /v1, the error envelope, the routes.
import Fastify, { LogController, type FastifyInstance, type FastifyError, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Store } from '../store/index.js';
import type { BlobStore } from '../blobs/index.js';
import { ApiError, videoJson, type VideoService } from '../videos/index.js';
import { Authenticator, type Principal } from './auth.js';
import { Metrics } from './metrics.js';
import { RateLimiter } from './rate-limit.js';
import { accessLog } from './access-log.js';
import { videoRoutes } from './routes/videos.js';
import { modelRoutes } from './routes/models.js';
import { healthRoutes } from './routes/health.js';
import { eventRoutes } from './routes/events.js';
import { join } from 'node:path';
import { createServer } from 'node:http';
import { pollLane } from './poll-lane.js';
import { cors as corsPolicy } from './cors.js';

declare module 'fastify' {
  interface FastifyRequest {
    projectId: string;
    /** performance.now() when the request arrived (a number: no BigInt per request). */
    startedAt: number;
  }
}

export interface AppDeps {
  cfg: Config;
  store: Store;
  blobs: BlobStore;
  service: VideoService;
  auth: Authenticator;
  metrics: Metrics;
  log: Logger;
  isReady: () => boolean;
  /** The /v1 routes (false for a worker process: health and metrics only). Default true. */
  apiRoutes?: boolean;
  /** Extra routes (the playground page) registered by the caller. */
  extraRoutes?: (app: FastifyInstance) => void;
}

function envelope(status: number, message: string, type: string, code: string | null) {
  return new ApiError(status, message, type, null, code);
}

/** Maps anything thrown to the contract's envelope; internals never leak. */
function toApiError(err: FastifyError | ApiError | Error): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as FastifyError;
  const status = e.statusCode ?? 500;
  if (status === 413 || e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return envelope(413, 'The request body is too large.', 'invalid_request_error', 'request_too_large');
  }
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return envelope(415, "Unsupported Content-Type: send 'application/json' or 'multipart/form-data'.", 'invalid_request_error', 'unsupported_media_type');
  }
  if (e.code?.startsWith('FST_ERR_CTP') || (status === 400 && e instanceof SyntaxError)) {
    return envelope(400, `We could not parse the JSON body of your request. (${e.message})`, 'invalid_request_error', 'invalid_json');
  }
  if (status >= 400 && status < 500) return envelope(status, e.message, 'invalid_request_error', null);
  return envelope(500, 'The server had an error while processing your request. Sorry about that!', 'server_error', null);
}

// Request ids: a random per-process prefix and a counter; unique without paying for randomness per request.
const REQUEST_PREFIX = `req_${randomBytes(8).toString('hex')}`;
let requestSeq = 0;
const nextRequestId = () => `${REQUEST_PREFIX}${(++requestSeq).toString(16).padStart(8, '0')}`;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { cfg, metrics, log } = deps;
  const limiter = new RateLimiter();
  const writeAccess = accessLog(log);
  // A response's bookkeeping past its headers: the request count and the log line (its `ms` is
  // the processing time). Shared by the onSend hook and the poll lane.
  const record = (reqId: string, method: string, route: string, status: number, ms: number) => {
    metrics.countRequest(method, route, status);
    if (route !== '/metrics' && route !== '/healthz') writeAccess(reqId, method, route, status, Math.round(ms * 1000) / 1000);
  };
  const rate = (p: Principal) => {
    const rpm = p.rateLimitRpm ?? cfg.rateLimitRpm;
    return rpm > 0 ? limiter.take(p.projectId, rpm) : null;
  };
  let closing = false;
  const lane = pollLane({
    principal: (authorization) => deps.auth.cached(authorization),
    finished: (projectId, id) => deps.service.peek(projectId, id),
    body: videoJson,
    rate,
    nextRequestId,
    record,
    closing: () => closing,
  });
  const cors = corsPolicy(cfg.corsOrigins);
  const app = Fastify({
    // The server is fastify's own http server, with the poll lane in front of fastify's handler.
    serverFactory: (handler, opts) => {
      const server = createServer((req, res) => {
        if (!lane(req, res)) handler(req, res);
      });
      // What fastify does to a server it makes itself (it has filled in these defaults by now).
      const o = opts as { keepAliveTimeout: number; requestTimeout: number; connectionTimeout: number; maxRequestsPerSocket: number };
      server.keepAliveTimeout = o.keepAliveTimeout;
      server.requestTimeout = o.requestTimeout;
      server.setTimeout(o.connectionTimeout);
      if (o.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = o.maxRequestsPerSocket;
      return server;
    },
    loggerInstance: log as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: (logger) => logger,
    bodyLimit: cfg.maxBodyBytes,
    genReqId: nextRequestId,
    trustProxy: false,
    routerOptions: { ignoreTrailingSlash: true },
    // The router's own rejections (an over-long or badly encoded path segment) skip the hooks
    // and the error handler: answer them in the envelope here, with the request id.
    frameworkErrors: (err, req, reply) => {
      const api = err.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? new ApiError(404, 'Not found: an id in the request path is too long.', 'invalid_request_error', null, 'not_found')
        : new ApiError(400, 'The request path is not a valid URL.', 'invalid_request_error', null, 'invalid_url');
      return (reply as FastifyReply).code(api.status).header('x-request-id', req.id).header('openai-processing-ms', '0').send(api.toJSON());
    },
  });

  app.decorateRequest('projectId', '');
  app.decorateRequest('startedAt', 0.5); // a double from the start, so the field never changes shape

  // Hooks run on every request, so they take callbacks rather than promises, and the request
  // log is one line written through the root logger (no child logger per request). The poll lane
  // answers its requests without them: what a hook adds to a response, the lane must add too.
  app.addHook('onRequest', (req, reply, done) => {
    req.startedAt = performance.now();
    reply.header('x-request-id', req.id);
    // A request without a body has no media type to parse, whatever it declares: the Python SDK
    // sends `content-type: application/json` on a DELETE with nothing after it.
    const h = req.raw.headers;
    if (h['content-type'] !== undefined && h['transfer-encoding'] === undefined && (h['content-length'] === undefined || h['content-length'] === '0')) {
      delete h['content-type'];
    }
    if (!(req.url.startsWith('/v1/') || req.url === '/v1')) return done();
    if (h.origin !== undefined) {
      if (req.method === 'OPTIONS' && h['access-control-request-method'] !== undefined) {
        const answer = cors.preflight(h);
        if (answer instanceof ApiError) return done(answer);
        reply.code(answer.status).headers(answer.headers).send();
        return;
      }
      reply.headers(cors.headers(h.origin));
    }
    let principal: Principal | Promise<Principal>;
    try {
      principal = deps.auth.authenticate(req.headers.authorization);
    } catch (err) {
      return done(err as Error);
    }
    if (principal instanceof Promise) principal.then((p) => admit(req, reply, p, done), done);
    else admit(req, reply, principal, done);
  });
  // Outside the hook, so a request whose key is cached allocates no closure for it.
  function admit(req: FastifyRequest, reply: FastifyReply, principal: Principal, done: (err?: Error) => void) {
    req.projectId = principal.projectId;
    const decision = rate(principal);
    if (decision) {
      reply.headers(decision.headers);
      if (decision.error) return done(decision.error);
    }
    done();
  }

  app.addHook('preClose', (done) => {
    closing = true; // from now on fastify answers every request (it refuses new ones while closing)
    done();
  });
  app.addHook('onClose', (_app, done) => {
    writeAccess.flush();
    done();
  });
  // One hook for the response's bookkeeping: the processing time header, the request count and
  // the log line (its `ms` is the same processing time). Each hook a request passes through
  // costs a runner of its own, which on a cached read was a measurable share of the work.
  app.addHook('onSend', (req, reply, payload, done) => {
    const ms = performance.now() - req.startedAt;
    reply.header('openai-processing-ms', String(ms | 0));
    record(req.id, req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, ms);
    done(null, payload);
  });

  app.setErrorHandler((err: FastifyError | ApiError, req, reply) => {
    const api = toApiError(err);
    if (api.status >= 500) log.error({ err, req_id: req.id }, 'request failed');
    // A failure while streaming an asset must not keep the asset's headers (its type would
    // also stop the JSON envelope from being serialized).
    for (const h of ['etag', 'content-range', 'content-length', 'accept-ranges', 'cache-control']) reply.removeHeader(h);
    for (const [k, v] of Object.entries(api.headers)) reply.header(k, v);
    return reply.code(api.status).type('application/json; charset=utf-8').send(api.toJSON());
  });

  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send(new ApiError(404, `Unknown request URL: ${req.method} ${req.url.split('?')[0]}.`, 'invalid_request_error', null, 'unknown_url').toJSON()),
  );

  // An empty JSON body is no body (the route then says which field is missing); fastify's own
  // parser calls it malformed. A chunked request with nothing in it gets here.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '') return done(null, undefined);
    parseJson(req, body as string, done);
  });

  const limits = { tmpDir: join(cfg.dataDir, 'tmp'), maxUploadBytes: cfg.maxUploadBytes, maxFieldBytes: Math.ceil(cfg.maxUploadBytes * 1.4) };
  if (deps.apiRoutes !== false) {
    videoRoutes(app, deps.service, deps.blobs, limits, deps.store, {
      ttlMs: cfg.idempotencyTtlHours * 3600_000,
      waitMs: 10_000,
      abandonAfterMs: 120_000,
    });
    eventRoutes(app, deps.service);
    modelRoutes(app, deps.service.catalog);
  }
  healthRoutes(app, deps.store, metrics, deps.isReady);
  deps.extraRoutes?.(app);
  return app;
}
