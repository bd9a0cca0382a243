// SIGKILL reelay while ComfyUI runs its prompt (or while /prompt is on the wire), restart it on the
// same data dir: the job resumes from the checkpointed prompt id, completes, and ComfyUI saw
// exactly one /prompt.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startChildServer, tempDir, rmrf, TEST_KEY, waitForVideo, type ChildServer } from '../../helpers/server.js';
import { openStore } from '../../../src/store/index.js';
import { FakeComfyUI } from './fake-comfyui.js';
import { serverCfg, until, wanT2v } from './helpers.js';

let fake: FakeComfyUI;
const dirs: string[] = [];
let child: ChildServer | null = null;

before(async () => {
  fake = await new FakeComfyUI().start();
});
beforeEach(() => {
  fake.paused = false;
  fake.onPrompt = null;
});
after(async () => {
  await child?.kill('SIGKILL');
  await fake.close();
  for (const d of dirs) rmrf(d);
});

function env(dataDir: string) {
  return {
    REELAY_DATA_DIR: dataDir,
    REELAY_API_KEY: TEST_KEY,
    REELAY_COMFYUI: JSON.stringify({ servers: [serverCfg(fake)], models: { 'wan-t2v': wanT2v() } }),
  };
}

const clientFor = (c: ChildServer) => new OpenAI({ apiKey: TEST_KEY, baseURL: `${c.url}/v1`, maxRetries: 0 });

test('SIGKILL while ComfyUI runs the prompt, restart: it completes from the checkpointed prompt id, one /prompt in all', async () => {
  const dir = tempDir();
  dirs.push(dir);
  fake.paused = true;
  const n = fake.submits;
  child = await startChildServer(env(dir));
  const created = await clientFor(child).videos.create({ prompt: 'a crane over the harbour', model: 'wan-t2v' as never, size: '320x180' as never });
  await until(() => fake.state.running !== null, 'the prompt runs on ComfyUI');
  const running = fake.state.running;
  await child.kill('SIGKILL');
  assert.equal(fake.submits, n + 1);

  const historyBefore = fake.historyGets + fake.queueGets;
  child = await startChildServer(env(dir));
  fake.paused = false;
  const client = clientFor(child);
  const done = await waitForVideo(client, created.id, 60_000);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  assert.equal(fake.submits, n + 1, 'exactly one /prompt submit');
  assert.equal(fake.prompts[fake.prompts.length - 1].promptId, running);
  // The new process has another client id, so the old prompt's events never reach its socket: it polled.
  assert.ok(fake.historyGets + fake.queueGets > historyBefore, 'the restarted process looked the prompt up');
  assert.equal(done.progress, 100);
  await child.kill('SIGTERM');
  child = null;
});

test('SIGKILL while /prompt is on the wire (queued, no answer yet), restart: found by its checkpointed id, never sent again', async () => {
  const dir = tempDir();
  dirs.push(dir);
  let answered = false;
  fake.onPrompt = () => {
    answered = true;
    return 'hang';
  };
  fake.paused = true;
  const n = fake.submits;
  child = await startChildServer(env(dir));
  const created = await clientFor(child).videos.create({ prompt: 'a fox in the snow', model: 'wan-t2v' as never, size: '320x180' as never });
  await until(() => answered, 'the prompt reached ComfyUI');
  await new Promise((r) => setTimeout(r, 300));
  await child.kill('SIGKILL');
  const store = openStore(dir);
  const row = await store.getVideoById(created.id);
  await store.close();
  assert.equal((row!.engineState as { phase: string }).phase, 'submitting', 'killed with /prompt unanswered');
  fake.onPrompt = null;

  child = await startChildServer(env(dir));
  fake.paused = false;
  const done = await waitForVideo(clientFor(child), created.id, 60_000);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  assert.equal(fake.submits, n + 1, 'exactly one /prompt submit');
  await child.kill('SIGTERM');
  child = null;
});

test('SIGTERM while ComfyUI runs the prompt: reelay exits at once without interrupting it, and resumes after the restart', async () => {
  const dir = tempDir();
  dirs.push(dir);
  fake.paused = true;
  const n = fake.submits;
  child = await startChildServer(env(dir));
  const created = await clientFor(child).videos.create({ prompt: 'a quiet harbour', model: 'wan-t2v' as never, size: '320x180' as never });
  await until(() => fake.state.running !== null, 'the prompt runs on ComfyUI');
  const t = Date.now();
  assert.equal(await child.kill('SIGTERM'), 0);
  assert.ok(Date.now() - t < 10_000, 'no waiting for the grace period');
  assert.deepEqual(fake.interrupts, [], 'a shutdown does not interrupt the prompt');
  fake.paused = false;
  child = await startChildServer(env(dir));
  const done = await waitForVideo(clientFor(child), created.id, 60_000);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  assert.equal(fake.submits, n + 1);
  await child.kill('SIGTERM');
  child = null;
});
