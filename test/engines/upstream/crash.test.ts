// SIGKILL reelay while it polls (or while its create is on the wire), restart it on the same data
// dir: the job completes and the upstream saw exactly one submit.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startChildServer, tempDir, rmrf, TEST_KEY, waitForVideo, type ChildServer } from '../../helpers/server.js';
import { FakeUpstream } from './fake-upstream.js';

let fake: FakeUpstream;
const dirs: string[] = [];
let child: ChildServer | null = null;

before(async () => {
  fake = await new FakeUpstream().start();
});
beforeEach(() => fake.reset());
after(async () => {
  await child?.kill('SIGKILL');
  await fake.close();
  for (const d of dirs) rmrf(d);
});

function env(dataDir: string) {
  return {
    REELAY_DATA_DIR: dataDir,
    REELAY_API_KEY: TEST_KEY,
    REELAY_UPSTREAMS: JSON.stringify([
      {
        id: 'fake', baseUrl: fake.base, pollIntervalMs: 100, submitTimeoutMs: 60_000,
        models: { 'crash-1': { upstreamModel: 'wan-test' } },
      },
    ]),
  };
}

const clientFor = (c: ChildServer) => new OpenAI({ apiKey: TEST_KEY, baseURL: `${c.url}/v1`, maxRetries: 0 });

async function until(cond: () => boolean, what: string) {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(cond(), what);
}

test('SIGKILL mid-poll, restart: the job completes and the upstream saw one submit', async () => {
  const dir = tempDir();
  dirs.push(dir);
  fake.pollsToFinish = 1_000_000;
  child = await startChildServer(env(dir));
  const created = await clientFor(child).videos.create({ prompt: 'a crane over the harbour', model: 'crash-1' as never, seconds: '4' });
  await until(() => fake.polls >= 3, 'reelay polls the upstream');
  await child.kill('SIGKILL');
  assert.equal(fake.submits.length, 1);

  fake.pollsToFinish = 0;
  const pollsBefore = fake.polls;
  child = await startChildServer(env(dir));
  const client = clientFor(child);
  const done = await waitForVideo(client, created.id, 60_000);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  assert.ok(fake.polls > pollsBefore, 'the restarted process polled the same upstream job');
  assert.equal(fake.submits.length, 1);
  assert.deepEqual(Buffer.from(await (await client.videos.downloadContent(created.id)).arrayBuffer()), fake.video);
  await child.kill('SIGTERM');
  child = null;
});

test('SIGKILL while the create is on the wire: the restart finds the job in the upstream list instead of resubmitting', async () => {
  const dir = tempDir();
  dirs.push(dir);
  fake.onSubmit = (_res, _n, info) => {
    fake.addJob({ prompt: info.fields.prompt, model: info.fields.model });
    return true; // accepted upstream, but the answer never comes
  };
  child = await startChildServer(env(dir));
  const created = await clientFor(child).videos.create({ prompt: 'a fox in the snow', model: 'crash-1' as never, seconds: '4' });
  await until(() => fake.submits.length === 1, 'the create reached the upstream');
  await child.kill('SIGKILL');

  child = await startChildServer(env(dir));
  const done = await waitForVideo(clientFor(child), created.id, 60_000);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  assert.equal(fake.submits.length, 1);
  assert.ok(fake.lists >= 1, 'reconciled through the upstream list');
  await child.kill('SIGTERM');
  child = null;
});

test('SIGTERM mid-poll: upstream jobs let go at once, exit 0, and resume polling after the restart', async () => {
  const dir = tempDir();
  dirs.push(dir);
  fake.pollsToFinish = 1_000_000;
  child = await startChildServer(env(dir));
  const created = await clientFor(child).videos.create({ prompt: 'a quiet harbour', model: 'crash-1' as never, seconds: '4' });
  await until(() => fake.polls >= 2, 'reelay polls the upstream');
  assert.equal(await child.kill('SIGTERM'), 0);
  assert.deepEqual(fake.deletes, [], 'a shutdown does not cancel the upstream job');

  fake.pollsToFinish = 0;
  child = await startChildServer(env(dir));
  const done = await waitForVideo(clientFor(child), created.id, 60_000);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  assert.equal(fake.submits.length, 1);
  await child.kill('SIGTERM');
  child = null;
});
