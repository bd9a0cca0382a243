// DELETE /v1/videos/{id} in every status: a running job is cancelled (its engine stops), its
// assets and inputs leave the disk, and it is gone from get and list.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { toFile } from 'openai';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { api, pollUntil, pollUntilTerminal, ProgressLog, sleep, type Api } from './helpers.js';

let t: TestServer;
let a: Api;
before(async () => {
  t = await startTestServer({ concurrency: 1 });
  a = api(t.url, t.key);
});
after(async () => {
  await t.close();
});

const videoDir = (id: string) => join(t.cfg.dataDir, 'blobs', 'videos', id);
const inputDir = (id: string) => join(t.cfg.dataDir, 'blobs', 'inputs', id);
const scratch = (id: string) => readdirSync(join(t.cfg.dataDir, 'tmp')).filter((f) => f.startsWith(id));

/** Processes whose command line names this video (the engine's ffmpeg works in its scratch dir). */
function processesFor(id: string): number[] {
  const pids: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(id)) pids.push(Number(pid));
    } catch {
      /* gone */
    }
  }
  return pids;
}

async function eventually(what: string, check: () => boolean, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${ms} ms`);
    await sleep(50);
  }
}

async function assertGone(id: string) {
  const got = await a.get(id);
  assert.equal(got.status, 404);
  assert.equal(got.body.error.code, 'not_found');
  assert.ok(!(await a.list()).some((v) => v.id === id), 'still listed');
  const again = await a.del(id);
  assert.equal(again.status, 404, 'a second delete finds nothing');
  assert.equal((await a.content(id)).status, 404);
}

async function renderCount(outcome: string): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`reelay_render_seconds_count{engine="local",outcome="${outcome}"} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

test('deleting a video mid-render stops the engine and removes its files; the queue moves on', async () => {
  const log = new ProgressLog();
  const cancelledBefore = await renderCount('cancelled');
  const v = await a.create({ prompt: 'a glacier calving into the sea', seconds: '20', size: '1280x720' });
  const next = await a.create({ prompt: 'a bicycle leaning on a fence', seconds: '4' });
  await pollUntil(a, v.id, log, (x) => x.status === 'in_progress' && x.progress > 0);
  assert.ok(processesFor(v.id).length > 0, 'the engine runs an encoder for this video');
  assert.ok(scratch(v.id).length > 0, 'the attempt has a scratch dir');

  const res = await a.del(v.id);
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { id: v.id, object: 'video.deleted', deleted: true });
  await assertGone(v.id);

  await eventually('the encoder stops', () => processesFor(v.id).length === 0);
  await eventually('the scratch dir goes', () => scratch(v.id).length === 0);
  assert.equal(existsSync(videoDir(v.id)), false);
  assert.equal(existsSync(inputDir(v.id)), false);
  assert.deepEqual(await t.server.store.listAssets(v.id), []);

  // The slot is free again: the video behind it completes without waiting out the 20 s render.
  const done = await pollUntilTerminal(a, [next.id], log);
  assert.equal(done.get(next.id)!.status, 'completed');
  assert.equal(await renderCount('cancelled'), cancelledBefore + 1);
  // Still gone later: the cancelled attempt did not resurrect it.
  await assertGone(v.id);
  assert.equal(existsSync(videoDir(v.id)), false);
});

test('deleting a running slow job with a reference image removes its input', async () => {
  const log = new ProgressLog();
  const png = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#55aa55' } }).png().toBuffer();
  const v = await t.client.videos.create({
    prompt: 'a green hill under clouds [reelay:slow=30]',
    seconds: '4',
    input_reference: await toFile(png, 'ref.png', { type: 'image/png' }),
  });
  await pollUntil(a, v.id, log, (x) => x.status === 'in_progress');
  assert.ok(existsSync(join(inputDir(v.id), 'reference.png')));
  assert.equal((await a.del(v.id)).status, 200);
  await assertGone(v.id);
  assert.equal(existsSync(inputDir(v.id)), false);
  await eventually('the scratch dir goes', () => scratch(v.id).length === 0);
  // The only runner slot is free: a new video starts long before the 30 s sleep would have ended.
  const next = await a.create({ prompt: 'a yellow kite', seconds: '4' });
  await pollUntil(a, next.id, log, (x) => x.status === 'in_progress', 20_000);
  const done = await pollUntilTerminal(a, [next.id], log);
  assert.equal(done.get(next.id)!.status, 'completed');
});

test('deleting a queued video: it never runs', async () => {
  const log = new ProgressLog();
  const blocker = await a.create({ prompt: 'a long wait [reelay:slow=30]', seconds: '4' });
  const queued = await a.create({ prompt: 'a queued video that is never made', seconds: '4' });
  await pollUntil(a, blocker.id, log, (x) => x.status === 'in_progress');
  assert.equal((await a.get(queued.id)).body.status, 'queued');
  assert.equal((await a.del(queued.id)).status, 200);
  await assertGone(queued.id);
  assert.equal((await a.del(blocker.id)).status, 200);
  // Give the runner time to pick up anything left; the deleted one must not be claimed.
  const after = await a.create({ prompt: 'a later video', seconds: '4' });
  await pollUntilTerminal(a, [after.id], log);
  const row = await t.server.store.getVideoById(queued.id);
  assert.equal(row!.status, 'queued');
  assert.equal(row!.attempts, 0, 'the deleted video was never claimed');
  assert.equal(existsSync(videoDir(queued.id)), false);
});

test('deleting a completed video removes its assets from disk; deleting a failed one works too', async () => {
  const log = new ProgressLog();
  const ok = await a.create({ prompt: 'a sunflower turning', seconds: '4' });
  const bad = await a.create({ prompt: 'a storm [reelay:error]', seconds: '4' });
  const done = await pollUntilTerminal(a, [ok.id, bad.id], log);
  assert.equal(done.get(ok.id)!.status, 'completed');
  assert.equal(done.get(bad.id)!.status, 'failed');
  assert.deepEqual(readdirSync(videoDir(ok.id)).sort(), ['spritesheet.jpg', 'thumbnail.webp', 'video.mp4']);
  assert.equal((await a.content(ok.id)).status, 200);

  assert.equal((await a.del(ok.id)).status, 200);
  await assertGone(ok.id);
  assert.equal(existsSync(videoDir(ok.id)), false);
  assert.deepEqual(await t.server.store.listAssets(ok.id), []);

  assert.equal((await a.del(bad.id)).status, 200);
  await assertGone(bad.id);
});

test("another project's video cannot be deleted: 404, and it survives", async () => {
  const other = api(t.url, await t.otherKey());
  const v = await a.create({ prompt: 'a fishing village at dawn', seconds: '4' });
  const res = await other.del(v.id);
  assert.equal(res.status, 404);
  assert.equal(res.body.error.type, 'invalid_request_error');
  assert.equal((await a.get(v.id)).status, 200);
  const done = await pollUntilTerminal(a, [v.id], new ProgressLog());
  assert.equal(done.get(v.id)!.status, 'completed');
  assert.ok(existsSync(videoDir(v.id)));
});
