// GET /v1/videos/{id}/events: the SSE stream the playground (and the CLI's --wait) listen to.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(async () => {
  await t.close();
});

interface SseEvent {
  event: string;
  data: any;
}

/** Reads the whole stream (it must end by itself) and parses its events. */
async function readEvents(res: Response): Promise<SseEvent[]> {
  const text = await res.text();
  const events: SseEvent[] = [];
  for (const block of text.split('\n\n')) {
    const lines = block.split('\n');
    const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
    const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
    if (event && data) events.push({ event, data: JSON.parse(data) });
  }
  return events;
}

test('streams status and progress, then a final done event, then closes', async () => {
  const v = await t.client.videos.create({ prompt: 'a lighthouse at night in the rain', seconds: '4' });
  const res = await fetch(`${t.base}/videos/${v.id}/events`, { headers: t.auth() });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  assert.ok(res.headers.get('x-request-id'));
  const events = await readEvents(res);
  assert.equal(events[0].event, 'status');
  assert.equal(events[0].data.id, v.id);
  const last = events[events.length - 1];
  assert.equal(last.event, 'done');
  assert.equal(last.data.status, 'completed');
  assert.equal(last.data.progress, 100);
  assert.ok(events.some((e) => e.event === 'progress' || (e.event === 'status' && e.data.status === 'in_progress')), JSON.stringify(events.map((e) => e.event)));
  const progress = events.map((e) => e.data.progress as number);
  assert.deepEqual(progress, [...progress].sort((a, b) => a - b), 'progress never goes down');
});

test('a failed job ends with done carrying the error', async () => {
  const v = await t.client.videos.create({ prompt: 'a crash [reelay:error]', seconds: '4' });
  const events = await readEvents(await fetch(`${t.base}/videos/${v.id}/events`, { headers: t.auth() }));
  const last = events[events.length - 1];
  assert.equal(last.event, 'done');
  assert.equal(last.data.status, 'failed');
  assert.equal(last.data.error.code, 'engine_error');
});

test('a finished video answers at once with its state and done', async () => {
  const v = await t.client.videos.create({ prompt: 'a quick one', seconds: '4' });
  await readEvents(await fetch(`${t.base}/videos/${v.id}/events`, { headers: t.auth() }));
  const events = await readEvents(await fetch(`${t.base}/videos/${v.id}/events`, { headers: t.auth() }));
  assert.deepEqual(events.map((e) => e.event), ['status', 'done']);
});

test('deleting a watched video ends the stream with an error event', async () => {
  const v = await t.client.videos.create({ prompt: 'a slow one [reelay:slow=30]', seconds: '4' });
  const res = await fetch(`${t.base}/videos/${v.id}/events`, { headers: t.auth() });
  const reading = readEvents(res);
  await new Promise((r) => setTimeout(r, 500));
  await t.client.videos.delete(v.id);
  const events = await reading;
  const last = events[events.length - 1];
  assert.equal(last.event, 'error');
  assert.equal(last.data.error.code, 'not_found');
});

test('needs a key, and another project gets 404 in the envelope', async () => {
  const v = await t.client.videos.create({ prompt: 'a private one', seconds: '4' });
  const noKey = await fetch(`${t.base}/videos/${v.id}/events`);
  assert.equal(noKey.status, 401);
  const other = await fetch(`${t.base}/videos/${v.id}/events`, { headers: t.auth(await t.otherKey()) });
  assert.equal(other.status, 404);
  const body = await other.json();
  assert.equal(body.error.code, 'not_found');
  const missing = await fetch(`${t.base}/videos/video_${'0'.repeat(32)}/events`, { headers: t.auth() });
  assert.equal(missing.status, 404);
});

test('a client that goes away mid-stream does not disturb the server', async () => {
  const v = await t.client.videos.create({ prompt: 'a slow one [reelay:slow=30]', seconds: '4' });
  const ac = new AbortController();
  const res = await fetch(`${t.base}/videos/${v.id}/events`, { headers: t.auth(), signal: ac.signal });
  const reader = res.body!.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  assert.match(first, /retry: 1000|event: status/);
  ac.abort();
  await t.client.videos.delete(v.id);
  const health = await fetch(`${t.url}/healthz`);
  assert.equal(health.status, 200);
});

test('shutting the server down ends open streams', async () => {
  const own = await startTestServer();
  const v = await own.client.videos.create({ prompt: 'a slow one [reelay:slow=60]', seconds: '4' });
  const res = await fetch(`${own.base}/videos/${v.id}/events`, { headers: own.auth() });
  const reader = res.body!.getReader();
  await reader.read(); // the stream is open
  const ended = (async () => {
    for (;;) if ((await reader.read().catch(() => ({ done: true }))).done) return true;
  })();
  await own.close();
  assert.equal(await ended, true);
});
