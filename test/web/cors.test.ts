// CORS, as a browser sees it: a page served from another origin (a second local port) runs the
// official openai SDK in headless Chromium against reelay with a key. The listed origin can
// create, poll, read the exposed headers, download and delete; an origin not listed cannot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { resolve, normalize, sep } from 'node:path';
import { chromium as playwright, type Browser, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';

const SDK_DIR = resolve(import.meta.dirname, '../../node_modules/openai');

const PAGE = `<!doctype html><meta charset="utf-8"><title>an app on another origin</title>
<script type="importmap">{"imports":{}}</script>
<script type="module">
  import OpenAI from '/openai/index.mjs';
  window.OpenAI = OpenAI;
  window.ready = true;
</script>`;

/** A static server for the page and the SDK's ES modules, on a port of its own. */
async function pageServer(): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url!, 'http://x').pathname;
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end(PAGE);
    }
    if (path.startsWith('/openai/')) {
      const file = normalize(resolve(SDK_DIR, path.slice('/openai/'.length)));
      if (file.startsWith(SDK_DIR + sep) && existsSync(file) && statSync(file).isFile()) {
        res.writeHead(200, { 'content-type': file.endsWith('.mjs') || file.endsWith('.js') ? 'text/javascript' : 'application/octet-stream' });
        return createReadStream(file).pipe(res);
      }
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { server, origin: `http://127.0.0.1:${port}` };
}

let t: TestServer;
let listed: { server: Server; origin: string };
let unlisted: { server: Server; origin: string };
let browser: Browser;

before(async () => {
  listed = await pageServer();
  unlisted = await pageServer();
  t = await startTestServer({ corsOrigins: [listed.origin], rateLimitRpm: 1000 });
  const chromium = (await import('@sparticuz/chromium')).default;
  // @sparticuz/chromium's defaults turn web security (CORS itself) off and run in one process
  // (which dies with its first closed page): both go, or this test would prove nothing.
  const args = chromium.args.filter((a) => !['--disable-web-security', '--single-process', '--allow-running-insecure-content', '--disable-site-isolation-trials'].includes(a));
  browser = await playwright.launch({ executablePath: await chromium.executablePath(), args, headless: true });
});
after(async () => {
  await browser?.close();
  await t?.close();
  listed?.server.close();
  unlisted?.server.close();
});

async function open(origin: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true, null, { timeout: 30_000 });
  return page;
}

test('a listed origin runs the official SDK against reelay: create, poll, headers, download, errors, delete', async () => {
  const page = await open(listed.origin);
  const result = await page.evaluate(
    async ({ base, key }) => {
      const OpenAI = (window as any).OpenAI; // eslint-disable-line @typescript-eslint/no-explicit-any
      const client = new OpenAI({ baseURL: base, apiKey: key, dangerouslyAllowBrowser: true, maxRetries: 0 });
      const created = await client.videos.create({ prompt: 'a blue kite over a beach', seconds: '4' }).withResponse();
      const id = created.data.id;
      let video = created.data;
      let pollHeader = null;
      while (video.status === 'queued' || video.status === 'in_progress') {
        const polled = await client.videos.retrieve(id).withResponse();
        pollHeader ??= polled.response.headers.get('openai-poll-after-ms');
        video = polled.data;
        if (video.status === 'queued' || video.status === 'in_progress') await new Promise((r) => setTimeout(r, 200));
      }
      const content = await client.videos.downloadContent(id);
      const bytes = new Uint8Array(await content.arrayBuffer());
      let badRequest = null;
      try {
        await client.videos.create({ prompt: 'x', seconds: '15' });
      } catch (e: any) { // eslint-disable-line @typescript-eslint/no-explicit-any
        badRequest = { status: e.status, code: e.code, param: e.param, requestId: e.requestID ?? e.request_id ?? null };
      }
      const deleted = await client.videos.delete(id);
      return {
        status: video.status,
        requestId: created.response.headers.get('x-request-id'),
        processingMs: created.response.headers.get('openai-processing-ms'),
        rateLimit: created.response.headers.get('x-ratelimit-limit-requests'),
        pollHeader,
        contentType: content.headers.get('content-type'),
        contentLength: content.headers.get('content-length'),
        etag: content.headers.get('etag'),
        mp4: String.fromCharCode(...bytes.slice(4, 8)),
        size: bytes.length,
        badRequest,
        deleted,
      };
    },
    { base: t.base, key: t.key },
  );
  assert.equal(result.status, 'completed');
  assert.match(result.requestId ?? '', /^req_/, 'x-request-id is exposed');
  assert.match(result.processingMs ?? '', /^\d+$/, 'openai-processing-ms is exposed');
  assert.equal(result.rateLimit, '1000', 'x-ratelimit-* is exposed');
  assert.match(result.pollHeader ?? '', /^\d+$/, 'openai-poll-after-ms is exposed');
  assert.equal(result.contentType, 'video/mp4');
  assert.equal(Number(result.contentLength), result.size);
  assert.match(result.etag ?? '', /^"/);
  assert.equal(result.mp4, 'ftyp');
  assert.deepEqual(result.badRequest && { status: result.badRequest.status, code: result.badRequest.code, param: result.badRequest.param }, {
    status: 400,
    code: 'invalid_value',
    param: 'seconds',
  });
  assert.equal(result.deleted.deleted, true);
  await page.close();
});

test('an origin not listed is refused by the browser, and its preflight answers 403 in the envelope', async () => {
  const page = await open(unlisted.origin);
  const outcome = await page.evaluate(
    async ({ base, key }) => {
      const OpenAI = (window as any).OpenAI; // eslint-disable-line @typescript-eslint/no-explicit-any
      const client = new OpenAI({ baseURL: base, apiKey: key, dangerouslyAllowBrowser: true, maxRetries: 0 });
      try {
        await client.videos.list();
        return 'allowed';
      } catch (e: any) { // eslint-disable-line @typescript-eslint/no-explicit-any
        return e.constructor.name;
      }
    },
    { base: t.base, key: t.key },
  );
  assert.equal(outcome, 'APIConnectionError', 'the browser blocks the call');
  await page.close();

  const preflight = await fetch(`${t.base}/videos`, {
    method: 'OPTIONS',
    headers: { origin: unlisted.origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
  });
  assert.equal(preflight.status, 403);
  assert.equal(preflight.headers.get('access-control-allow-origin'), null);
  const body = (await preflight.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'cors_origin_not_allowed');
  assert.match(body.error.message, /corsOrigins/);
  const get = await fetch(`${t.base}/models`, { headers: { ...t.auth(), origin: unlisted.origin } });
  assert.equal(get.status, 200);
  assert.equal(get.headers.get('access-control-allow-origin'), null, 'no CORS headers for an origin not listed');
});

test('the listed origin gets a preflight that allows the SDK headers, and CORS headers on every /v1 answer', async () => {
  const preflight = await fetch(`${t.base}/videos`, {
    method: 'OPTIONS',
    headers: {
      origin: listed.origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type, x-stainless-os, idempotency-key, x-evil',
    },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), listed.origin);
  assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
  assert.equal(preflight.headers.get('access-control-allow-headers'), 'authorization, content-type, x-stainless-os, idempotency-key');
  assert.equal(preflight.headers.get('access-control-allow-credentials'), null);
  // A finished video's poll (the poll lane's path), a 404 and a 401 all carry the headers too.
  const v = await t.client.videos.create({ prompt: 'a lighthouse', seconds: '4' });
  for (;;) {
    const s = await t.client.videos.retrieve(v.id);
    if (s.status === 'completed' || s.status === 'failed') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  for (const [path, key, status] of [
    [`/videos/${v.id}`, t.key, 200],
    [`/videos/${v.id}`, t.key, 200],
    ['/videos/video_00000000000000000000000000000000', t.key, 404],
    ['/videos', 'sk-wrong-key-0000', 401],
  ] as const) {
    const res = await fetch(`${t.base}${path}`, { headers: { authorization: `Bearer ${key}`, origin: listed.origin } });
    assert.equal(res.status, status);
    assert.equal(res.headers.get('access-control-allow-origin'), listed.origin, `${path} ${status}`);
    assert.match(res.headers.get('access-control-expose-headers') ?? '', /x-request-id.*openai-poll-after-ms.*x-ratelimit-remaining-requests/);
    assert.match(res.headers.get('vary') ?? '', /Origin/);
  }
});

test('corsOrigins: comma-separated in REELAY_CORS_ORIGINS, each an origin; anything else is refused at start', async () => {
  const { loadConfig } = await import('../../src/config/index.js');
  assert.deepEqual(loadConfig({ env: {} }).corsOrigins, [], 'off by default');
  assert.deepEqual(loadConfig({ env: { REELAY_CORS_ORIGINS: 'https://app.example.com, http://127.0.0.1:5173/' } }).corsOrigins, [
    'https://app.example.com',
    'http://127.0.0.1:5173',
  ]);
  assert.deepEqual(loadConfig({ env: { REELAY_CORS_ORIGINS: '*' } }).corsOrigins, ['*']);
  assert.throws(() => loadConfig({ env: { REELAY_CORS_ORIGINS: 'app.example.com' } }), /corsOrigins: 'app.example.com' is not an origin/);
  assert.throws(() => loadConfig({ env: { REELAY_CORS_ORIGINS: 'https://app.example.com/path' } }), /no path/);
});
