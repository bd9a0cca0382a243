// What goes wrong with a ComfyUI server, scripted per test: validation errors, execution errors
// (an out-of-memory among them), a restart that loses the queue, a dropped WebSocket, a lost
// /prompt answer, deletes while running and while waiting; and the reference image's round trip.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { startTestServer, waitForVideo, type TestServer } from '../../helpers/server.js';
import { probeBuffer } from '../../helpers/media.js';
import { FakeComfyUI } from './fake-comfyui.js';
import { serverCfg, until, wanI2v, wanT2v, workflow } from './helpers.js';

let fake: FakeComfyUI;
let s: TestServer;

/** The Wan graph with node 7's clip link removed: ComfyUI refuses it at validation. */
function brokenWorkflow() {
  const g = workflow('wan22_ti2v_5b_t2v.json');
  delete g['7'].inputs.clip;
  return g;
}

before(async () => {
  fake = await new FakeComfyUI().start();
  s = await startTestServer({
    comfyui: {
      servers: [serverCfg(fake)],
      models: {
        'wan-t2v': wanT2v({ extendWith: 'wan-i2v' }),
        'wan-i2v': wanI2v(),
        'wan-broken': wanT2v({ workflow: brokenWorkflow() }),
      },
    } as never,
  });
});
beforeEach(() => {
  fake.format = 'mp4';
  fake.steps = 4;
  fake.stepMs = 20;
  fake.paused = false;
  fake.failAt = null;
  fake.onPrompt = null;
});
after(async () => {
  await s.close();
  await fake.close();
});

const create = (body: Record<string, unknown>) => s.client.videos.create({ model: 'wan-t2v', size: '320x180', ...body } as never);
const promptOf = async (id: string) => ((await s.server.store.getVideoById(id))!.engineState as { promptId?: string } | null)?.promptId;

test('a node error at validation fails the video with engine_error and ComfyUI\'s message', async () => {
  const v = await create({ model: 'wan-broken', prompt: 'a broken graph' });
  const done = await waitForVideo(s.client, v.id, 30_000);
  assert.equal(done.status, 'failed');
  assert.equal(done.error?.code, 'engine_error');
  assert.match(done.error!.message, /Prompt outputs failed validation/);
  assert.match(done.error!.message, /node 7 \(CLIPTextEncode\): Required input is missing 'clip'/);
});

test('an execution error mid-run fails the video with the node and ComfyUI\'s message', async () => {
  fake.failAt = { node: '8', type: 'RuntimeError', message: 'Given groups=1, weight of size [48, 48, 3, 3, 3], expected input to have 48 channels' };
  const v = await create({ prompt: 'a decoder failure' });
  const done = await waitForVideo(s.client, v.id, 30_000);
  assert.equal(done.status, 'failed');
  assert.equal(done.error?.code, 'engine_error');
  assert.match(done.error!.message, /node 8 \(VAEDecode\): RuntimeError: Given groups=1/);
});

test('an out-of-memory says so', async () => {
  fake.failAt = { node: '3', type: 'torch.OutOfMemoryError', message: 'CUDA out of memory. Tried to allocate 3.52 GiB.' };
  const v = await create({ prompt: 'too big for the GPU' });
  const done = await waitForVideo(s.client, v.id, 30_000);
  assert.equal(done.status, 'failed');
  assert.equal(done.error?.code, 'engine_error');
  assert.match(done.error!.message, /ran out of GPU memory in node 3 \(KSampler\): CUDA out of memory/);
});

test('a ComfyUI restart that loses the queue: reelay submits the prompt again, and the video completes', async () => {
  fake.paused = true;
  const n = fake.prompts.length;
  const v = await create({ prompt: 'a restart mid-run' });
  await until(async () => fake.state.running !== null && fake.state.running === (await promptOf(v.id)), 'the prompt runs');
  const first = fake.state.running;
  await fake.restart(300);
  fake.paused = false;
  const done = await waitForVideo(s.client, v.id, 30_000);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  assert.equal(fake.prompts.length, n + 2, 'submitted once more after the server lost it');
  assert.notEqual(fake.prompts[n + 1].promptId, first);
});

test('a dropped WebSocket: reelay reconnects (and polls meanwhile); progress moves on and the video completes', async () => {
  fake.paused = true;
  fake.steps = 6;
  const opens = fake.wsConnections;
  const v = await create({ prompt: 'a dropped socket' });
  await until(async () => fake.state.running === (await promptOf(v.id)), 'the prompt runs');
  fake.dropSockets();
  await until(() => fake.wsConnections > opens, 'reelay reconnected');
  fake.paused = false;
  const done = await waitForVideo(s.client, v.id, 30_000);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
});

test('delete while running: the prompt is interrupted (/interrupt with its id)', async () => {
  fake.paused = true;
  const v = await create({ prompt: 'a job deleted while it runs' });
  await until(async () => fake.state.running === (await promptOf(v.id)), 'the prompt runs');
  const id = fake.state.running!;
  await s.client.videos.delete(v.id);
  await until(() => fake.interrupts.includes(id), '/interrupt seen');
  await until(() => fake.state.running === null, 'the server stopped it');
  fake.paused = false;
});

test('delete while waiting in the ComfyUI queue: the prompt is taken out of /queue', async () => {
  fake.paused = true;
  const a = await create({ prompt: 'the one running' });
  await until(async () => fake.state.running === (await promptOf(a.id)), 'the first runs');
  const b = await create({ prompt: 'the one waiting' });
  await until(async () => fake.state.pending.includes((await promptOf(b.id)) ?? '-'), 'the second waits');
  const id = (await promptOf(b.id))!;
  await s.client.videos.delete(b.id);
  await until(() => fake.queueDeletes.includes(id) && !fake.state.pending.includes(id), 'removed from the queue');
  assert.ok(!fake.interrupts.includes(id));
  fake.paused = false;
  assert.equal((await waitForVideo(s.client, a.id, 30_000)).status, 'completed');
});

test('the /prompt answer is lost after ComfyUI queued it: reelay finds its own prompt id and never sends it twice', async () => {
  fake.onPrompt = () => 'drop';
  const n = fake.prompts.length;
  const v = await create({ prompt: 'a lost answer' });
  const done = await waitForVideo(s.client, v.id, 30_000);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  assert.equal(fake.prompts.length, n + 1);
  assert.equal(fake.prompts[n].promptId, await promptOf(v.id));
});

test('the connection drops before ComfyUI queued anything: the id is nowhere, so it is submitted (once) again', async () => {
  let calls = 0;
  fake.onPrompt = () => (++calls === 1 ? 'drop-before' : undefined);
  const n = fake.prompts.length;
  const v = await create({ prompt: 'dropped before queueing' });
  const done = await waitForVideo(s.client, v.id, 30_000);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  assert.equal(calls, 2);
  assert.equal(fake.prompts.length, n + 1, 'one prompt queued');
});

async function referencePng(w: number, h: number) {
  return sharp({ create: { width: w, height: h, channels: 3, background: '#c04020' } }).png().toBuffer();
}

test('image-to-video: the reference is uploaded, named in LoadImage, and removed from ComfyUI after the job', async () => {
  const form = new FormData();
  form.set('model', 'wan-i2v');
  form.set('prompt', 'the red square comes alive');
  form.set('size', '320x180');
  form.set('input_reference', new Blob([await referencePng(320, 180)], { type: 'image/png' }), 'ref.png');
  const n = fake.prompts.length; // before the create: its job may be submitted before the answer is read
  const r = await fetch(`${s.base}/videos`, { method: 'POST', headers: s.auth(), body: form });
  assert.equal(r.status, 200, await r.clone().text());
  const v = (await r.json()) as { id: string };
  const done = await waitForVideo(s.client, v.id, 30_000);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  const g = fake.prompts[n].graph;
  assert.equal(g['56'].inputs.image, `reelay/${v.id}.png`);
  assert.ok(fake.uploads.includes(`reelay/${v.id}.png`));
  assert.ok(fake.inputDeletes.includes(`reelay/${v.id}.png`), 'the upload was removed');
  const models = (await (await fetch(`${s.base}/models/wan-i2v`, { headers: s.auth() })).json()) as { capabilities: { input_reference: boolean } };
  assert.equal(models.capabilities.input_reference, true);
});

test('extension: the source\'s last frame drives the image-to-video workflow, and the result is stitched', async () => {
  const src = await create({ prompt: 'a boat leaves', seconds: '4' });
  assert.equal((await waitForVideo(s.client, src.id, 30_000)).status, 'completed');
  const n = fake.prompts.length;
  const ext = await s.client.videos.extend({ prompt: 'the boat sails on', seconds: '4', video: { id: src.id } } as never);
  const done = await waitForVideo(s.client, ext.id, 60_000);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  assert.equal(done.seconds, '8');
  const g = fake.prompts[n].graph;
  assert.equal(g['56'].inputs.image, `reelay/${ext.id}.png`, 'the i2v workflow ran from an uploaded frame');
  assert.equal(g['6'].inputs.text, 'the boat sails on');
  const info = await probeBuffer(Buffer.from(await (await s.client.videos.downloadContent(ext.id)).arrayBuffer()));
  assert.equal(info.codec, 'h264');
  assert.deepEqual([info.width, info.height], [320, 180]);
  assert.ok(Math.abs(info.duration - 65 / 8) < 0.3, `33 + 32 frames at 8 fps, got ${info.duration} s`);
});
