// Characters on an upstream model: reelay uploads each named character's clip to the upstream
// first and creates the video with the upstream's character ids.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, waitForVideo, type TestServer } from '../../helpers/server.js';
import { FakeUpstream } from './fake-upstream.js';
import { makeClip } from '../../validation/clip.js';
import { call, form, postForm, postJson } from '../../validation/helpers.js';

let fake: FakeUpstream;
let t: TestServer;
let clip: Buffer;
let charId: string;

before(async () => {
  fake = await new FakeUpstream().start();
  clip = await makeClip(2);
  t = await startTestServer({
    upstreams: [
      {
        id: 'fake', baseUrl: fake.base, pollIntervalMs: 100, requestTimeoutMs: 2000, submitTimeoutMs: 2000, jobTimeoutMs: 8000, requestsPerSecond: 0,
        models: { 'fake-chars': { upstreamModel: 'wan-test', characters: true }, 'fake-plain': { upstreamModel: 'wan-test' } },
      },
    ] as never,
  });
  const made = await postForm(t, '/v1/videos/characters', form({ name: 'Mika' }, [{ field: 'video', data: clip, name: 'mika.mp4', type: 'video/mp4' }]));
  assert.equal(made.status, 200, made.text);
  charId = made.body.id;
});
after(async () => {
  await t.close();
  await fake.close();
});
beforeEach(() => fake.reset());

test('a video naming a character: the clip goes up first, the create carries the upstream id', async () => {
  const v = await postJson(t, '/v1/videos', { model: 'fake-chars', prompt: 'Mika walks through a meadow', characters: [{ id: charId }] });
  assert.equal(v.status, 200, v.text);
  const done = await waitForVideo(t.client, v.body.id);
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  assert.equal(fake.characters.length, 1);
  const up = fake.characters[0];
  assert.match(up.contentType, /^multipart\/form-data/);
  assert.equal(up.fields.name, 'Mika');
  assert.ok(up.body.includes('filename="character.mp4"'), 'the clip is sent as a file');
  assert.ok(Buffer.from(up.body, 'latin1').includes(clip.subarray(0, 64)), 'the clip bytes are the uploaded ones');
  assert.equal(fake.submits.length, 1);
  assert.deepEqual(JSON.parse(fake.submits[0].body).characters, [{ id: 'char_up0001' }]);
  assert.equal(JSON.parse(fake.submits[0].body).model, 'wan-test');
});

test('a model without characters answers 400 before queueing; a refused character fails the job without a video submit', async () => {
  const plain = await postJson(t, '/v1/videos', { model: 'fake-plain', prompt: 'Mika again', characters: [{ id: charId }] });
  assert.equal(plain.status, 400);
  assert.equal(plain.body.error.param, 'characters');
  assert.equal(fake.characters.length + fake.submits.length, 0);

  fake.onCharacter = (res) => {
    fake.json(res, 400, { error: { message: 'faces are not allowed', type: 'invalid_request_error', param: null, code: null } });
    return true;
  };
  const v = await postJson(t, '/v1/videos', { model: 'fake-chars', prompt: 'Mika in the rain', characters: [{ id: charId }] });
  const done = await waitForVideo(t.client, v.body.id);
  assert.equal(done.status, 'failed');
  assert.equal(done.error?.code, 'upstream_error');
  assert.match(done.error?.message ?? '', /refused the character 'Mika': faces are not allowed/);
  assert.equal(fake.submits.length, 0, 'no video was submitted');
  // Listed with its capability.
  const model = await call(t, 'GET', '/v1/models/fake-chars');
  assert.equal(model.body.capabilities.characters, true);
});
