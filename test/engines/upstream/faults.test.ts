// The upstream engine against a scripted fake upstream: every fault ends in the right terminal
// state, and the upstream sees the number of submits it should (never a blind resubmit).
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTestServer, waitForVideo, type TestServer } from '../../helpers/server.js';
import { FakeUpstream } from './fake-upstream.js';
import sharp from 'sharp';
import { toFile } from 'openai';

let fake: FakeUpstream;
let t: TestServer;

async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const FAST = { pollIntervalMs: 100, requestTimeoutMs: 800, submitTimeoutMs: 800, jobTimeoutMs: 4000, downloadIdleTimeoutMs: 600, submitRetries: 2, downloadRetries: 3, requestsPerSecond: 0 };

before(async () => {
  fake = await new FakeUpstream().start();
  process.env.REELAY_TEST_FAKE_KEY = 'sk-fake-upstream-secret';
  const dead = await deadPort();
  t = await startTestServer({
    upstreams: [
      { id: 'dead', baseUrl: `http://127.0.0.1:${dead}/v1`, models: { 'fo-1': {} } },
      {
        id: 'fake', baseUrl: fake.base, apiKeyEnv: 'REELAY_TEST_FAKE_KEY', ...FAST,
        models: {
          'fake-1': { upstreamModel: 'wan-test', remix: true, edit: true, extend: true, inputReference: true },
          'fake-noremix': { upstreamModel: 'wan-test' },
          'fo-1': { upstreamModel: 'wan-test' },
        },
      },
      {
        id: 'vllm', baseUrl: fake.base, ...FAST, multipartOnly: true, variants: false,
        extraFields: { negative_prompt: 'blurry', num_inference_steps: 30 },
        models: { 'vllm-1': { upstreamModel: 'Wan-AI/Wan2.2-TI2V-5B-Diffusers', seconds: ['4'] } },
      },
    ] as never,
  });
});
after(async () => {
  await t.close();
  await fake.close();
});
beforeEach(() => fake.reset());

const create = (prompt: string, model = 'fake-1') => t.client.videos.create({ prompt, model: model as never, seconds: '4', size: '1280x720' });

test('a relayed job completes: one submit with the mapped model and the key, assets copied', async () => {
  const v = await create('a lighthouse at dusk');
  const done = await waitForVideo(t.client, v.id);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  assert.equal(done.progress, 100);
  assert.equal(fake.submits.length, 1);
  assert.equal(fake.submits[0].contentType, 'application/json');
  assert.equal(fake.submits[0].fields.model, 'wan-test');
  assert.equal(fake.submits[0].fields.prompt, 'a lighthouse at dusk');
  assert.equal(fake.submits[0].authorization, 'Bearer sk-fake-upstream-secret');
  const bytes = Buffer.from(await (await t.client.videos.downloadContent(v.id)).arrayBuffer());
  assert.deepEqual(bytes, fake.video);
  const thumb = await t.client.videos.downloadContent(v.id, { variant: 'thumbnail' });
  assert.equal(thumb.headers.get('content-type'), 'image/webp');
});

test('429 with Retry-After at submit, then success: completed after exactly two submits', async () => {
  fake.onSubmit = (res, n) => {
    if (n > 1) return false;
    fake.json(res, 429, { error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' } }, { 'retry-after': '1' });
    return true;
  };
  const done = await waitForVideo(t.client, (await create('rate limited once')).id);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  assert.equal(fake.submits.length, 2);
});

test('500 on every submit: failed with upstream_error after the bounded retries', async () => {
  fake.onSubmit = (res) => (fake.json(res, 500, { error: { message: 'CUDA out of memory' } }), true);
  const done = await waitForVideo(t.client, (await create('always broken')).id);
  assert.equal(done.status, 'failed');
  assert.equal(done.error?.code, 'upstream_error');
  assert.match(done.error!.message, /CUDA out of memory/);
  assert.equal(fake.submits.length, 3);
});

test('500s while polling are retried: completed, one submit', async () => {
  let bad = 0;
  fake.onPoll = (res) => (bad++ < 2 ? (fake.json(res, 503, 'Service Unavailable'), true) : false);
  const done = await waitForVideo(t.client, (await create('flaky status endpoint')).id);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  assert.equal(fake.submits.length, 1);
  assert.equal(fake.polls, 3); // two 503s, then the answer that completes it
});

test('a 4xx at submit fails the job with the upstream message and code upstream_error', async () => {
  fake.onSubmit = (res) => (fake.json(res, 400, { error: { message: 'Model mismatch: wan-test is not served here', type: 'invalid_request_error', param: 'model', code: 400 } }), true);
  const done = await waitForVideo(t.client, (await create('rejected')).id);
  assert.equal(done.status, 'failed');
  assert.equal(done.error?.code, 'upstream_error');
  assert.equal(done.error?.message, 'Model mismatch: wan-test is not served here');
  assert.equal(fake.submits.length, 1);
});

test('status requests that hang past the job timeout: upstream_timeout, one submit, upstream job cancelled', async () => {
  fake.onPoll = () => true; // never answers
  const done = await waitForVideo(t.client, (await create('the gpu fell asleep')).id);
  assert.equal(done.status, 'failed');
  assert.equal(done.error?.code, 'upstream_timeout');
  assert.equal(fake.submits.length, 1);
  const upstreamId = [...fake.jobs.keys()][0];
  for (let i = 0; i < 50 && !fake.deletes.includes(upstreamId); i++) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(fake.deletes, [upstreamId]);
});

test('malformed JSON from the status endpoint is survived: completed', async () => {
  let bad = 0;
  fake.onPoll = (res) => (bad++ < 3 ? (fake.json(res, 200, '{"status": "in_prog'), true) : false);
  const done = await waitForVideo(t.client, (await create('garbled answers')).id);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  assert.equal(fake.submits.length, 1);
});

test('a create answered with malformed JSON is reconciled from the upstream list, not resubmitted', async () => {
  fake.onSubmit = (res, _n, info) => {
    fake.addJob({ prompt: info.fields.prompt, model: info.fields.model });
    fake.json(res, 200, '{"id": "video_up');
    return true;
  };
  const done = await waitForVideo(t.client, (await create('accepted but garbled')).id);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  assert.equal(fake.submits.length, 1);
  assert.ok(fake.lists >= 1);
});

test('a create that hangs and is not in the upstream list fails upstream_error saying so, never resubmitted', async () => {
  fake.onSubmit = () => true; // takes the request, never answers
  const done = await waitForVideo(t.client, (await create('lost in transit')).id);
  assert.equal(done.status, 'failed');
  assert.equal(done.error?.code, 'upstream_error');
  assert.match(done.error!.message, /unknown/);
  assert.match(done.error!.message, /did not resubmit/);
  assert.equal(fake.submits.length, 1);
});

test('unknown statuses count as running; succeeded completes', async () => {
  const seen: string[] = [];
  fake.onPoll = (res, job) => {
    const status = ['NOT_START', 'warming_up', 'generating', 'postprocessing', 'succeeded'][Math.min(job.polls - 1, 4)];
    seen.push(status);
    fake.json(res, 200, { ...fake.view(job), status, progress: job.polls * 20 });
    return true;
  };
  const done = await waitForVideo(t.client, (await create('odd vocabulary')).id);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  assert.deepEqual(seen, ['NOT_START', 'warming_up', 'generating', 'postprocessing', 'succeeded']);
  assert.equal(fake.submits.length, 1);
});

test('progress is clamped and never goes back', async () => {
  const progress: number[] = [];
  const values = [30, 250, 10, 60];
  fake.onPoll = (res, job) => {
    if (job.polls > values.length) return false;
    fake.json(res, 200, { ...fake.view(job), status: 'in_progress', progress: values[job.polls - 1] });
    return true;
  };
  fake.pollsToFinish = 50;
  const v = await create('watch the bar');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const r = await t.client.videos.retrieve(v.id);
    progress.push(r.progress);
    const job = [...fake.jobs.values()][0];
    if (job && job.polls > values.length + 1) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i] >= progress[i - 1], `progress went back: ${progress}`);
  assert.ok(Math.max(...progress) === 99, `clamped below 100 until completed: ${progress}`);
  fake.pollsToFinish = 0;
  const done = await waitForVideo(t.client, v.id);
  assert.equal(done.progress, 100);
});

test('a failed upstream job fails the video with the upstream error', async () => {
  fake.onPoll = (res, job) => (fake.json(res, 200, { ...fake.view(job), status: 'error', error: { code: 'oops', message: 'NaN in latents' } }), true);
  const done = await waitForVideo(t.client, (await create('doomed')).id);
  assert.equal(done.status, 'failed');
  assert.equal(done.error?.code, 'upstream_error');
  assert.equal(done.error?.message, 'NaN in latents');
});

test('a download cut mid-stream is retried: the full file arrives', async () => {
  fake.onContent = (res, _job, variant, n) => {
    if (variant !== 'video' || n > 1) return false;
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(fake.video.length) });
    res.write(fake.video.subarray(0, 1000));
    setTimeout(() => res.socket?.destroy(), 20);
    return true;
  };
  const v = await create('cut cable');
  const done = await waitForVideo(t.client, v.id);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  assert.deepEqual(Buffer.from(await (await t.client.videos.downloadContent(v.id)).arrayBuffer()), fake.video);
  assert.ok(fake.downloads >= 2);
  assert.equal(fake.submits.length, 1);
});

test('a slow but steady download completes', async () => {
  fake.onContent = async (res, _job, variant) => {
    if (variant !== 'video') return false;
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(fake.video.length) });
    const step = Math.ceil(fake.video.length / 8);
    for (let i = 0; i < fake.video.length; i += step) {
      res.write(fake.video.subarray(i, i + step));
      await new Promise((r) => setTimeout(r, 250));
    }
    res.end();
    return true;
  };
  const v = await create('dial-up');
  const done = await waitForVideo(t.client, v.id);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  assert.deepEqual(Buffer.from(await (await t.client.videos.downloadContent(v.id)).arrayBuffer()), fake.video);
  assert.equal(fake.submits.length, 1);
});

test('content that is not an MP4 is refused', async () => {
  fake.onContent = (res, _job, variant) => (variant === 'video' ? (fake.json(res, 200, { error: 'this is json' }), true) : false);
  const done = await waitForVideo(t.client, (await create('liar')).id);
  assert.equal(done.status, 'failed');
  assert.equal(done.error?.code, 'upstream_error');
  assert.match(done.error!.message, /not an MP4/);
});

test('failover: the first upstream refuses connections, the next one takes the job', async () => {
  const done = await waitForVideo(t.client, (await create('try the other one', 'fo-1')).id);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  assert.equal(fake.submits.length, 1);
});

test('vLLM-Omni style: multipart only, the served model name and the extra fields', async () => {
  const done = await waitForVideo(t.client, (await create('a koi pond', 'vllm-1')).id);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  const s = fake.submits[0];
  assert.match(s.contentType, /^multipart\/form-data/);
  assert.equal(s.fields.model, 'Wan-AI/Wan2.2-TI2V-5B-Diffusers');
  assert.equal(s.fields.negative_prompt, 'blurry');
  assert.equal(s.fields.num_inference_steps, '30');
  assert.equal(s.fields.seconds, '4');
  assert.equal(fake.downloads, 1); // variants off: no thumbnail or spritesheet asked for
});

test('remix goes to the same upstream with its id; a model without remix answers 400 before queueing', async () => {
  const src = await waitForVideo(t.client, (await create('a cat on a piano')).id);
  assert.equal(src.status, 'completed');
  const upstreamId = [...fake.jobs.keys()][0];
  const remix = await t.client.videos.remix(src.id, { prompt: 'the cat plays jazz' });
  assert.equal(remix.remixed_from_video_id, src.id);
  const done = await waitForVideo(t.client, remix.id);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  assert.equal(fake.submits[1].path, `/v1/videos/${upstreamId}/remix`);
  assert.equal(fake.submits[1].fields.prompt, 'the cat plays jazz');

  const plain = await waitForVideo(t.client, (await create('no remix here', 'fake-noremix')).id);
  assert.equal(plain.status, 'completed');
  const before = fake.submits.length;
  await assert.rejects(t.client.videos.remix(plain.id, { prompt: 'again' }), (err: { status?: number }) => err.status === 400);
  assert.equal(fake.submits.length, before);
});

test('extension goes to the same upstream with the added seconds', async () => {
  const src = await waitForVideo(t.client, (await create('a train in snow')).id);
  const upstreamId = [...fake.jobs.keys()][0];
  const res = await fetch(`${t.base}/videos/extensions`, {
    method: 'POST',
    headers: { ...t.auth(), 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'the train enters a tunnel', seconds: '4', video: { id: src.id } }),
  });
  assert.equal(res.status, 200);
  const ext = (await res.json()) as { id: string; seconds: string };
  assert.equal(ext.seconds, '8');
  const done = await waitForVideo(t.client, ext.id);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  assert.equal(fake.submits[1].path, '/v1/videos/extensions');
  assert.deepEqual(JSON.parse(fake.submits[1].body), { prompt: 'the train enters a tunnel', seconds: '4', video: { id: upstreamId } });
});

test('deleting a running video cancels the upstream job', async () => {
  fake.pollsToFinish = 1000;
  const v = await create('never mind');
  for (let i = 0; i < 100 && fake.polls < 1; i++) await new Promise((r) => setTimeout(r, 50));
  const upstreamId = [...fake.jobs.keys()][0];
  assert.ok(upstreamId);
  await t.client.videos.delete(v.id);
  for (let i = 0; i < 100 && !fake.deletes.length; i++) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(fake.deletes, [upstreamId]);
  assert.equal(fake.submits.length, 1);
});

test('the models list shows the upstream models and their capabilities', async () => {
  const m = (await t.client.models.retrieve('fake-noremix')) as unknown as { capabilities: { remix: boolean; characters: boolean } };
  assert.equal(m.capabilities.remix, false);
  const full = (await t.client.models.retrieve('fake-1')) as unknown as { capabilities: { remix: boolean } };
  assert.equal(full.capabilities.remix, true);
});

test('an input_reference goes upstream as a multipart PNG file; characters are refused before queueing', async () => {
  const png = await sharp({ create: { width: 640, height: 360, channels: 3, background: '#cc3366' } }).png().toBuffer();
  const v = await t.client.videos.create({
    prompt: 'the camera pulls back', model: 'fake-1' as never, seconds: '4', size: '1280x720',
    input_reference: await toFile(png, 'ref.png', { type: 'image/png' }),
  });
  const done = await waitForVideo(t.client, v.id);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  const s = fake.submits[0];
  assert.match(s.contentType, /^multipart\/form-data/);
  assert.match(s.body, /name="input_reference"; filename="reference.png"\r\nContent-Type: image\/png\r\n\r\n\x89PNG/);
  assert.equal(s.fields.model, 'wan-test');

  const res = await fetch(`${t.base}/videos`, {
    method: 'POST',
    headers: { ...t.auth(), 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'Ana waves', model: 'fake-1', characters: [{ id: 'char_0123456789abcdef0123456789abcdef' }] }),
  });
  assert.equal(res.status, 400);
  const body = (await res.json()) as { error: { param: string; message: string } };
  assert.equal(body.error.param, 'characters');
  assert.match(body.error.message, /does not accept characters/);
  assert.equal(fake.submits.length, 1);
});
