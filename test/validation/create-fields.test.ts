// POST /v1/videos field rules, row by row from the contract: seconds, size, model, prompt,
// unknown fields, defaults. JSON and multipart both. Accepted videos stay in a cancellable
// sleep (SLOW) so nothing renders.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { SLOW, assertError, assertVideo, call, form, postForm, postJson } from './helpers.js';

let t: TestServer;
before(async () => {
  t = await startTestServer({ concurrency: 1 });
});
after(async () => {
  await t.close();
});

const P = `a lighthouse on a cliff at dusk ${SLOW}`;
const SECONDS_MSG = "Invalid value: '15'. Supported values are: '4', '8', '12', '16', and '20'.";
const SECONDS_TYPE_MSG = "Invalid type for 'seconds': expected one of '4', '8', '12', '16', or '20', but got an integer instead.";

test('seconds: every supported string is accepted, JSON and multipart', async () => {
  for (const s of ['4', '8', '12', '16', '20']) {
    const j = assertVideo(await postJson(t, '/v1/videos', { prompt: P, seconds: s }));
    assert.equal(j.seconds, s);
    const m = assertVideo(await postForm(t, '/v1/videos', form({ prompt: P, seconds: s })));
    assert.equal(m.seconds, s);
  }
});

test("seconds '15' is invalid_value with the contract's message (JSON and multipart)", async () => {
  for (const a of [await postJson(t, '/v1/videos', { prompt: P, seconds: '15' }), await postForm(t, '/v1/videos', form({ prompt: P, seconds: '15' }))]) {
    assertError(a, 400, { param: 'seconds', code: 'invalid_value', message: SECONDS_MSG });
  }
  for (const s of ['0', '5', '4.0', ' 4', '']) {
    const e = assertError(await postJson(t, '/v1/videos', { prompt: P, seconds: s }), 400, { param: 'seconds', code: 'invalid_value' });
    assert.equal(e.message, `Invalid value: '${s}'. Supported values are: '4', '8', '12', '16', and '20'.`);
  }
});

test("seconds as a JSON number is invalid_type with the contract's message", async () => {
  assertError(await postJson(t, '/v1/videos', { prompt: P, seconds: 8 }), 400, { param: 'seconds', code: 'invalid_type', message: SECONDS_TYPE_MSG });
  const e = assertError(await postJson(t, '/v1/videos', { prompt: P, seconds: 8.5 }), 400, { param: 'seconds', code: 'invalid_type' });
  assert.match(e.message, /but got a decimal instead\.$/);
});

test('defaults: model sora-2, seconds "4", per-model default size', async () => {
  const plain = assertVideo(await postJson(t, '/v1/videos', { prompt: P }));
  assert.deepEqual([plain.model, plain.seconds, plain.size, plain.status], ['sora-2', '4', '1280x720', 'queued']);
  const pro = assertVideo(await postJson(t, '/v1/videos', { prompt: P, model: 'sora-2-pro' }));
  assert.deepEqual([pro.model, pro.seconds, pro.size], ['sora-2-pro', '4', '1792x1024']);
  const dated = assertVideo(await postForm(t, '/v1/videos', form({ prompt: P, model: 'sora-2-pro-2025-10-06' })));
  assert.deepEqual([dated.model, dated.size], ['sora-2-pro-2025-10-06', '1792x1024']);
  const multipart = assertVideo(await postForm(t, '/v1/videos', form({ prompt: P })));
  assert.deepEqual([multipart.model, multipart.seconds, multipart.size], ['sora-2', '4', '1280x720']);
});

test('size: non-WxH forms are rejected naming the WxH form and the model sizes', async () => {
  for (const size of ['720p', '16:9', '1280X720', '1280 x 720', '1280x720px', 'x', '1280*720']) {
    const e = assertError(await postJson(t, '/v1/videos', { prompt: P, size }), 400, { param: 'size', code: 'invalid_value' });
    assert.ok(e.message.includes(`'${size}'`), e.message);
    assert.ok(e.message.includes('WxH'), `names the WxH form: ${e.message}`);
    assert.ok(e.message.includes("'1280x720'") && e.message.includes("'720x1280'"), `lists sora-2 sizes: ${e.message}`);
    assert.ok(!e.message.includes('1792x1024'), `does not list pro sizes for sora-2: ${e.message}`);
  }
  const e = assertError(await postForm(t, '/v1/videos', form({ prompt: P, model: 'sora-2-pro', size: '1080p' })), 400, { param: 'size', code: 'invalid_value' });
  for (const s of ['1280x720', '720x1280', '1792x1024', '1024x1792', '1920x1080', '1080x1920']) assert.ok(e.message.includes(`'${s}'`), e.message);
  assert.ok(e.message.includes('WxH'));
});

test('size: a Pro size with sora-2 says it needs a Pro model; pro sizes work on pro models and aliases', async () => {
  for (const size of ['1792x1024', '1024x1792', '1920x1080', '1080x1920']) {
    for (const model of ['sora-2', 'sora-2-2025-10-06', 'sora-2-2025-12-08']) {
      const e = assertError(await postJson(t, '/v1/videos', { prompt: P, model, size }), 400, { param: 'size', code: 'invalid_value' });
      assert.match(e.message, /Pro model/, e.message);
    }
    for (const model of ['sora-2-pro', 'sora-2-pro-2025-10-06']) {
      const v = assertVideo(await postForm(t, '/v1/videos', form({ prompt: P, model, size })));
      assert.deepEqual([v.model, v.size], [model, size]);
    }
  }
  // A well-formed size no model has is still rejected, listing the model's sizes.
  const e = assertError(await postJson(t, '/v1/videos', { prompt: P, size: '640x480' }), 400, { param: 'size', code: 'invalid_value' });
  assert.match(e.message, /'1280x720' and '720x1280'/);
  assertError(await postJson(t, '/v1/videos', { prompt: P, size: 1280 }), 400, { param: 'size', code: 'invalid_type' });
});

test('prompt: missing, empty, too long, wrong type; 32000 chars is accepted', async () => {
  assertError(await postJson(t, '/v1/videos', { seconds: '4' }), 400, {
    param: 'prompt', code: 'missing_required_parameter', message: "Missing required parameter: 'prompt'.",
  });
  assertError(await postForm(t, '/v1/videos', form({ seconds: '4' })), 400, {
    param: 'prompt', code: 'missing_required_parameter', message: "Missing required parameter: 'prompt'.",
  });
  assertError(await postJson(t, '/v1/videos', {}), 400, { param: 'prompt', code: 'missing_required_parameter' });
  assertError(await postJson(t, '/v1/videos', { prompt: '' }), 400, { param: 'prompt', code: 'invalid_value' });
  assertError(await postForm(t, '/v1/videos', form({ prompt: '' })), 400, { param: 'prompt', code: 'invalid_value' });
  const e = assertError(await postJson(t, '/v1/videos', { prompt: 'a'.repeat(32001) }), 400, { param: 'prompt', code: 'invalid_value' });
  assert.match(e.message, /32000/);
  assert.match(e.message, /32001/);
  assertError(await postJson(t, '/v1/videos', { prompt: 42 }), 400, { param: 'prompt', code: 'invalid_type' });
  const long = `${SLOW} ${'b'.repeat(32000 - SLOW.length - 1)}`;
  assert.equal(long.length, 32000);
  assert.equal(assertVideo(await postJson(t, '/v1/videos', { prompt: long })).prompt.length, 32000);
});

test("unknown parameter: 'duration' is unknown_parameter with its param", async () => {
  for (const a of [
    await postJson(t, '/v1/videos', { prompt: P, duration: 8 }),
    await postForm(t, '/v1/videos', form({ prompt: P, duration: '8' })),
  ]) {
    assertError(a, 400, { param: 'duration', code: 'unknown_parameter', message: "Unknown parameter: 'duration'." });
  }
  // A file where a value belongs is an error, not silently ignored.
  const fd = form({ prompt: P });
  fd.append('seconds', new Blob(['8'], { type: 'text/plain' }), 'seconds.txt');
  assertError(await postForm(t, '/v1/videos', fd), 400, { param: 'seconds', code: 'invalid_type' });
  const fd2 = form({ prompt: P });
  fd2.append('duration', new Blob(['8']), 'd.txt');
  assertError(await postForm(t, '/v1/videos', fd2), 400, { param: 'duration', code: 'unknown_parameter' });
  // Unknown keys nested in input_reference are reported by their path.
  assertError(await postJson(t, '/v1/videos', { prompt: P, input_reference: { url: 'https://x' } }), 400, { code: 'unknown_parameter', param: 'input_reference.url' });
});

test('unknown model: 404 model_not_found with the exact message', async () => {
  for (const a of [
    await postJson(t, '/v1/videos', { prompt: P, model: 'sora-3' }),
    await postForm(t, '/v1/videos', form({ prompt: P, model: 'sora-3' })),
  ]) {
    assertError(a, 404, { code: 'model_not_found', message: 'The model `sora-3` does not exist or you do not have access to it.' });
  }
  assertError(await postJson(t, '/v1/videos', { prompt: P, model: 7 }), 400, { param: 'model', code: 'invalid_type' });
  assertError(await call(t, 'GET', '/v1/models/sora-3'), 404, { code: 'model_not_found', message: 'The model `sora-3` does not exist or you do not have access to it.' });
  // Every model the catalogue lists is accepted by create.
  const models = (await call(t, 'GET', '/v1/models')).body.data as { id: string }[];
  for (const m of ['sora-2', 'sora-2-pro', 'sora-2-2025-10-06', 'sora-2-2025-12-08', 'sora-2-pro-2025-10-06']) assert.ok(models.some((x) => x.id === m), m);
  for (const m of models) assert.equal(assertVideo(await postJson(t, '/v1/videos', { prompt: P, model: m.id })).model, m.id);
});

test('extensions: seed and input_reference_fit are checked', async () => {
  assert.ok(assertVideo(await postJson(t, '/v1/videos', { prompt: P, seed: 7 })));
  assert.ok(assertVideo(await postForm(t, '/v1/videos', form({ prompt: P, seed: '4294967295' }))));
  assertError(await postJson(t, '/v1/videos', { prompt: P, seed: -1 }), 400, { param: 'seed', code: 'invalid_value' });
  assertError(await postJson(t, '/v1/videos', { prompt: P, seed: 'abc' }), 400, { param: 'seed', code: 'invalid_type' });
  assertError(await postJson(t, '/v1/videos', { prompt: P, input_reference_fit: 'zoom' }), 400, { param: 'input_reference_fit', code: 'invalid_value' });
});

test('the server answers normally after all of the above', async () => {
  const res = await fetch(`${t.url}/healthz`);
  assert.equal(res.status, 200);
  assert.equal((await t.client.videos.list({ limit: 1 })).data.length, 1);
});
