// /healthz, /readyz, /metrics and the logs of a real `reelay serve` process at info level.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import { startChildServer, tempDir, rmrf, waitForVideo, type ChildServer } from '../helpers/server.js';

const KEY = `sk-reelay-obs-${randomBytes(12).toString('hex')}`;
const MARKER = `quokka${randomBytes(6).toString('hex')}`;
let dir: string;
let child: ChildServer;
let client: OpenAI;

before(async () => {
  dir = tempDir('reelay-obs-');
  child = await startChildServer({ REELAY_DATA_DIR: dir, REELAY_API_KEY: KEY, REELAY_LOG_LEVEL: 'info', REELAY_CONCURRENCY: '1' });
  client = new OpenAI({ apiKey: KEY, baseURL: `${child.url}/v1`, maxRetries: 0 });
});
after(async () => {
  await child.kill('SIGTERM');
  rmrf(dir);
});

test('healthz and readyz answer 200 without a key', async () => {
  const h = await fetch(`${child.url}/healthz`);
  assert.equal(h.status, 200);
  assert.deepEqual(await h.json(), { status: 'ok' });
  const r = await fetch(`${child.url}/readyz`);
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { status: 'ready' });
});

test('metrics: request counters, jobs by status and render seconds after a render', async () => {
  const v = await client.videos.create({ prompt: `a ${MARKER} hopping across a beach at sunrise`, seconds: '4' });
  const done = await waitForVideo(client, v.id);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  const bad = await client.videos.create({ prompt: `a ${MARKER} in the rain [reelay:error]`, seconds: '4' });
  assert.equal((await waitForVideo(client, bad.id)).status, 'failed');
  const unauthorized = await fetch(`${child.url}/v1/videos`, { headers: { authorization: `Bearer ${KEY}x` } });
  assert.equal(unauthorized.status, 401);

  // An attempt's render time is observed just after its final state is written: allow a moment.
  let text = '';
  for (let i = 0; i < 50; i++) {
    const res = await fetch(`${child.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    text = await res.text();
    if (text.includes('reelay_render_seconds_count{engine="local",outcome="failed"}')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const value = (series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  assert.equal(value('reelay_http_requests_total{method="POST",route="/v1/videos",status="200"}'), 2);
  assert.equal(value('reelay_http_requests_total{method="GET",route="/v1/videos",status="401"}'), 1);
  assert.ok((value('reelay_http_requests_total{method="GET",route="/v1/videos/:id",status="200"}') ?? 0) >= 2);
  assert.equal(value('reelay_jobs{status="completed"}'), 1);
  assert.equal(value('reelay_jobs{status="failed"}'), 1);
  assert.equal(value('reelay_jobs{status="queued"}'), 0);
  assert.equal(value('reelay_render_seconds_count{engine="local",outcome="completed"}'), 1);
  assert.equal(value('reelay_render_seconds_count{engine="local",outcome="failed"}'), 1);
  assert.ok((value('reelay_render_seconds_sum{engine="local",outcome="completed"}') ?? 0) > 0);
  assert.match(text, /# TYPE reelay_render_seconds histogram/);
});

test('info-level logs record requests and jobs but never the key or the prompt', async () => {
  // Multipart and JSON bodies, a validation error that echoes nothing, and a bad key.
  const form = new FormData();
  form.set('prompt', `a ${MARKER} under the stars`);
  form.set('seconds', '4');
  const mp = await fetch(`${child.url}/v1/videos`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` }, body: form });
  assert.equal(mp.status, 200);
  const invalid = await fetch(`${child.url}/v1/videos`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: `a ${MARKER} again`, seconds: 7 }),
  });
  assert.equal(invalid.status, 400);
  await waitForVideo(client, ((await mp.json()) as { id: string }).id);

  // Logs are written in batches (at least every 250 ms): wait for the job's last line.
  for (let i = 0; i < 50 && !child.output().includes('"msg":"job finished"'); i++) await new Promise((r) => setTimeout(r, 100));
  const out = child.output();
  assert.match(out, /"msg":"job finished"/);
  const requests = out.split('\n').filter((l) => l.includes('"msg":"request"')).map((l) => JSON.parse(l));
  assert.ok(requests.some((r) => r.level === 30 && r.method === 'POST' && r.route === '/v1/videos' && r.status === 400 && typeof r.ms === 'number' && /^req_/.test(r.req_id)));
  assert.match(out, /"msg":"request"/, 'request logs are written at info');
  assert.match(out, /"msg":"job started"/, 'job logs are written at info');
  assert.match(out, /"route":"\/v1\/videos"/);
  assert.ok(!out.includes(KEY), 'the API key appears in the logs');
  assert.ok(!out.includes(KEY.slice(10)), 'part of the API key appears in the logs');
  assert.ok(!out.includes(MARKER), 'prompt text appears in the logs');
});
