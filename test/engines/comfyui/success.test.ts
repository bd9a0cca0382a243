// The happy paths against a fake ComfyUI: the official SDK's flow end to end, the graph reelay
// submits, progress from the WebSocket, and outputs in every shape made into H.264 MP4s.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, waitForVideo, type TestServer } from '../../helpers/server.js';
import { probeBuffer, imageInfo } from '../../helpers/media.js';
import { FakeComfyUI } from './fake-comfyui.js';
import { serverCfg, until, wanT2v } from './helpers.js';

let fake: FakeComfyUI;
let s: TestServer;

before(async () => {
  fake = await new FakeComfyUI().start();
  s = await startTestServer({
    comfyui: {
      servers: [serverCfg(fake)],
      models: { 'wan-t2v': wanT2v({ remix: true }) },
    } as never,
  });
});
beforeEach(() => {
  fake.format = 'mp4';
  fake.steps = 4;
  fake.stepMs = 20;
  fake.paused = false;
});
after(async () => {
  await s.close();
  await fake.close();
});

const bytes = async (r: Response) => Buffer.from(await r.arrayBuffer());

test('the official SDK on a ComfyUI model: create, progress, completed, content, list, delete', async () => {
  const models = await s.client.models.list();
  const m = models.data.find((x) => x.id === 'wan-t2v') as unknown as { owned_by: string; capabilities: Record<string, unknown> };
  assert.ok(m, 'the model is listed');
  assert.match(m.owned_by, /comfyui/);
  assert.deepEqual(m.capabilities.sizes, ['320x180', '180x320']);
  assert.equal(m.capabilities.input_reference, false);
  assert.equal(m.capabilities.remix, true);
  assert.equal(m.capabilities.extend, false);

  fake.steps = 10;
  fake.stepMs = 60;
  const before = fake.prompts.length;
  const created = await s.client.videos.create({ model: 'wan-t2v' as never, prompt: 'a lighthouse at dusk', size: '320x180' as never, seconds: '4', seed: 42 } as never);
  assert.equal(created.status, 'queued');
  const seen: number[] = [];
  let v = created;
  while (v.status === 'queued' || v.status === 'in_progress') {
    seen.push(v.progress);
    await new Promise((r) => setTimeout(r, 40));
    v = await s.client.videos.retrieve(created.id);
  }
  assert.equal(v.status, 'completed', JSON.stringify(v.error));
  assert.equal(v.progress, 100);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i] >= seen[i - 1], `progress never goes back: ${seen.join(',')}`);
  assert.ok(seen.some((p) => p > 5 && p < 80), `progress moved through the sampler steps: ${seen.join(',')}`);

  // Exactly one prompt, with the request bound onto the nodes.
  assert.equal(fake.prompts.length, before + 1);
  const p = fake.prompts[fake.prompts.length - 1];
  assert.equal(p.graph['6'].inputs.text, 'a lighthouse at dusk');
  assert.equal(p.graph['7'].inputs.text, 'blurry, low quality');
  assert.equal(p.graph['3'].inputs.seed, 42);
  assert.deepEqual([p.graph['55'].inputs.width, p.graph['55'].inputs.height, p.graph['55'].inputs.length], [320, 160, 33]);
  assert.equal(p.graph['57'].inputs.fps, 8);
  assert.match(p.promptId, /^[0-9a-f-]{36}$/);
  const row = await s.server.store.getVideoById(created.id);
  assert.equal((row!.engineState as { promptId: string }).promptId, p.promptId, 'the prompt id reelay chose is the one ComfyUI ran');

  // The output (320x160, the graph's size) came back as H.264 at the size asked for.
  const info = await probeBuffer(await bytes(await s.client.videos.downloadContent(created.id)));
  assert.equal(info.codec, 'h264');
  assert.deepEqual([info.width, info.height], [320, 180]);
  assert.equal(info.frames, 33);
  assert.equal((await imageInfo(await bytes(await s.client.videos.downloadContent(created.id, { variant: 'thumbnail' })))).format, 'webp');
  assert.equal((await imageInfo(await bytes(await s.client.videos.downloadContent(created.id, { variant: 'spritesheet' })))).format, 'jpeg');

  const list = await s.client.videos.list();
  assert.ok(list.data.some((x) => x.id === created.id));
  const del = await s.client.videos.delete(created.id);
  assert.equal(del.deleted, true);
});

for (const format of ['webm', 'webp', 'frames'] as const) {
  test(`output as ${format === 'frames' ? 'a sequence of PNG frames' : format === 'webp' ? 'an animated WebP' : 'WebM (VP8)'} is converted to an H.264 MP4`, async () => {
    fake.format = format;
    const v = await s.client.videos.create({ model: 'wan-t2v' as never, prompt: `a ${format} river`, size: '180x320' as never } as never);
    const done = await waitForVideo(s.client, v.id, 60_000);
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    const info = await probeBuffer(await bytes(await s.client.videos.downloadContent(v.id)));
    assert.equal(info.codec, 'h264');
    assert.equal(info.pixFmt, 'yuv420p');
    assert.deepEqual([info.width, info.height], [180, 320]);
    assert.ok(Math.abs(info.duration - 33 / 8) < 0.3, `about 33 frames at 8 fps, got ${info.duration} s`);
  });
}

test('remix reruns the source workflow with the source seed and the new prompt', async () => {
  const src = await s.client.videos.create({ model: 'wan-t2v' as never, prompt: 'a red kite', size: '320x180' as never, seed: 7 } as never);
  assert.equal((await waitForVideo(s.client, src.id, 60_000)).status, 'completed');
  const n = fake.prompts.length;
  const remix = await s.client.videos.remix(src.id, { prompt: 'a blue kite' });
  assert.equal(remix.remixed_from_video_id, src.id);
  const done = await waitForVideo(s.client, remix.id, 60_000);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  assert.equal(fake.prompts.length, n + 1);
  const g = fake.prompts[n].graph;
  assert.equal(g['6'].inputs.text, 'a blue kite');
  assert.equal(g['3'].inputs.seed, 7);
});

test('extension on a model that binds no image-to-video workflow: 400 before queueing', async () => {
  const src = await s.client.videos.create({ model: 'wan-t2v' as never, prompt: 'a green kite', size: '320x180' as never } as never);
  assert.equal((await waitForVideo(s.client, src.id, 60_000)).status, 'completed');
  const n = fake.submits;
  const r = await fetch(`${s.base}/videos/extensions`, { method: 'POST', headers: { ...s.auth(), 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'more', seconds: '4', video: { id: src.id } }) });
  assert.equal(r.status, 400);
  assert.match(((await r.json()) as { error: { message: string } }).error.message, /cannot extend/);
  const e = await fetch(`${s.base}/videos/edits`, { method: 'POST', headers: { ...s.auth(), 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'other', video: { id: src.id } }) });
  assert.equal(e.status, 400);
  await until(() => true, '');
  assert.equal(fake.submits, n, 'nothing reached ComfyUI');
});
