// Auth (401s as the contract words them) and project isolation: another project's video and
// character do not exist on any route, and trying every route leaves the owner's video intact.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startTestServer, waitForVideo, type TestServer } from '../helpers/server.js';
import { createKey } from '../../src/http/index.js';
import { SLOW, assertError, assertVideo, call, form, postForm, postJson } from './helpers.js';
import { makeClip } from './clip.js';

let t: TestServer;
let clip: Buffer;
before(async () => {
  t = await startTestServer({ concurrency: 1 });
  clip = await makeClip();
});
after(async () => {
  await t.close();
});

const NO_KEY = "You didn't provide an API key.";

test('no key: 401, the contract message, param and code null, on every /v1 route', async () => {
  const routes: [string, string][] = [
    ['GET', '/v1/videos'], ['POST', '/v1/videos'], ['GET', '/v1/videos/video_00000000000000000000000000000000'],
    ['DELETE', '/v1/videos/video_00000000000000000000000000000000'], ['GET', '/v1/videos/video_00000000000000000000000000000000/content'],
    ['POST', '/v1/videos/edits'], ['POST', '/v1/videos/extensions'], ['POST', '/v1/videos/characters'],
    ['GET', '/v1/videos/characters/char_00000000000000000000000000000000'], ['GET', '/v1/models'], ['GET', '/v1/models/sora-2'],
    ['GET', '/v1/nonexistent'],
  ];
  for (const [method, path] of routes) {
    const a = await call(t, method, path, { key: null });
    const e = assertError(a, 401, { param: null, code: null });
    assert.ok(e.message.startsWith(NO_KEY), `${method} ${path}: ${e.message}`);
    assert.match(e.message, /Authorization: Bearer/);
  }
  for (const header of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer ', 'sk-reelay-test-key-0123456789']) {
    const e = assertError(await call(t, 'GET', '/v1/videos', { key: null, headers: { authorization: header } }), 401, { code: null });
    assert.ok(e.message.startsWith(NO_KEY), `${header}: ${e.message}`);
  }
  // A JSON body does not get parsed before auth: a 401 is a 401 even with a bad body.
  assertError(await call(t, 'POST', '/v1/videos', { key: null, raw: '{not json' }), 401, { code: null });
});

test('bad key: 401 invalid_api_key showing only the first 3 and last 4 characters', async () => {
  const bad = 'sk-proj-this-is-wrong-abcd';
  const e = assertError(await call(t, 'GET', '/v1/videos', { key: bad }), 401, {
    param: null, code: 'invalid_api_key', message: 'Incorrect API key provided: sk-…abcd.',
  });
  assert.ok(!e.message.includes('this-is-wrong'));
  assertError(await call(t, 'POST', '/v1/videos', { key: 'sk-reelay-test-key-0123456780' }), 401, {
    code: 'invalid_api_key', message: 'Incorrect API key provided: sk-…6780.',
  });
});

test('a revoked key answers 401; a fresh key of the same project keeps working', async () => {
  const { secret, record } = await createKey(t.server.store, 'revocation', 'ci');
  assert.equal((await call(t, 'GET', '/v1/videos', { key: secret })).status, 200);
  assert.equal(await t.server.store.revokeKey(record.id), true);
  assertError(await call(t, 'GET', '/v1/videos', { key: secret }), 401, {
    code: 'invalid_api_key', message: `Incorrect API key provided: ${secret.slice(0, 3)}…${secret.slice(-4)}.`,
  });
  const again = await createKey(t.server.store, 'revocation', 'ci-2');
  assert.equal((await call(t, 'GET', '/v1/videos', { key: again.secret })).status, 200);
  // Keys are stored only as hashes.
  const rows = await t.server.store.listKeys();
  const stored = JSON.stringify(rows);
  assert.ok(!stored.includes(secret) && !stored.includes(again.secret), 'no secret in the key table');
});

test("characters: at most 2; each one's name must be in the prompt", async () => {
  const made = await postForm(t, '/v1/videos/characters', form({ name: 'Captain Pip' }, [{ field: 'video', data: clip, name: 'pip.mp4', type: 'video/mp4' }]));
  assert.equal(made.status, 200, made.text);
  const char = made.body.id as string;
  assert.match(char, /^char_[0-9a-f]{32}$/);

  const three = [{ id: char }, { id: char }, { id: char }];
  assertError(await postJson(t, '/v1/videos', { prompt: `Captain Pip sails ${SLOW}`, characters: three }), 400, { param: 'characters', code: 'invalid_value' });
  const mf = form({ prompt: `Captain Pip sails ${SLOW}`, 'characters[0][id]': char, 'characters[1][id]': char, 'characters[2][id]': char });
  assertError(await postForm(t, '/v1/videos', mf), 400, { param: 'characters', code: 'invalid_value' });

  const e = assertError(await postJson(t, '/v1/videos', { prompt: `a ship sails ${SLOW}`, characters: [{ id: char }] }), 400, { param: 'characters[0].id' });
  assert.match(e.message, /Captain Pip/);
  assertError(await postJson(t, '/v1/videos', { prompt: `Captain Pip ${SLOW}`, characters: [{ id: 'char_00000000000000000000000000000000' }] }), 404, { param: 'characters[0].id' });
  assertError(await postJson(t, '/v1/videos', { prompt: `Captain Pip ${SLOW}`, characters: 'Captain Pip' }), 400, { param: 'characters', code: 'invalid_type' });

  const one = assertVideo(await postJson(t, '/v1/videos', { prompt: `captain pip waves from the deck ${SLOW}`, characters: [{ id: char }] }));
  const two = assertVideo(await postForm(t, '/v1/videos', form({ prompt: `Captain Pip and Captain Pip ${SLOW}`, 'characters[0][id]': char, 'characters[1][id]': char })));
  // Free the runner slot for the render in the isolation test.
  for (const v of [one, two]) assert.equal((await call(t, 'DELETE', `/v1/videos/${v.id}`)).status, 200);

  // Character validation itself: name 1-80 chars, exactly one video file.
  assertError(await postForm(t, '/v1/videos/characters', form({ name: 'x'.repeat(81) }, [{ field: 'video', data: clip, name: 'c.mp4', type: 'video/mp4' }])), 400, { param: 'name' });
  assertError(await postForm(t, '/v1/videos/characters', form({ name: 'Nobody' })), 400, { param: 'video', code: 'missing_required_parameter' });
  assertError(await postForm(t, '/v1/videos/characters', form({ name: 'Junk' }, [{ field: 'video', data: Buffer.from('not a video'), name: 'c.mp4', type: 'video/mp4' }])), 400, { param: 'video' });
});

test("isolation: project A's video and character answer 404 on every route for project B", async () => {
  const a = t.key;
  const b = await t.otherKey();
  // A completed video (one short render), one still running, and a character.
  const done = assertVideo(await postJson(t, '/v1/videos', { prompt: 'a yellow boat on a calm lake', seconds: '4', size: '720x1280' }, a));
  const running = assertVideo(await postJson(t, '/v1/videos', { prompt: `a kite ${SLOW}` }, a));
  const charRes = await postForm(t, '/v1/videos/characters', form({ name: 'Moss' }, [{ field: 'video', data: clip, name: 'm.mp4', type: 'video/mp4' }]), a);
  assert.equal(charRes.status, 200, charRes.text);
  const char = charRes.body.id as string;
  assert.equal((await waitForVideo(t.client, done.id)).status, 'completed');
  const before = await call(t, 'GET', `/v1/videos/${done.id}/content`, { key: a });
  assert.equal(before.status, 200);
  const digest = createHash('sha256').update(before.text, 'latin1').digest('hex');
  const mp4 = Buffer.from(await (await fetch(`${t.url}/v1/videos/${done.id}/content`, { headers: t.auth(a) })).arrayBuffer());

  for (const id of [done.id, running.id]) {
    const probes = [
      await call(t, 'GET', `/v1/videos/${id}`, { key: b }),
      await call(t, 'GET', `/v1/videos/${id}/content`, { key: b }),
      await call(t, 'GET', `/v1/videos/${id}/content?variant=thumbnail`, { key: b }),
      await call(t, 'GET', `/v1/videos/${id}/content?variant=spritesheet`, { key: b }),
      await postJson(t, `/v1/videos/${id}/remix`, { prompt: 'steal it' }, b),
      await postForm(t, `/v1/videos/${id}/remix`, form({ prompt: 'steal it' }), b),
      await postJson(t, '/v1/videos/edits', { prompt: 'steal it', video: { id } }, b),
      await postForm(t, '/v1/videos/edits', form({ prompt: 'steal it', 'video[id]': id }), b),
      await postJson(t, '/v1/videos/extensions', { prompt: 'steal it', seconds: '4', video: { id } }, b),
      await postForm(t, '/v1/videos/extensions', form({ prompt: 'steal it', seconds: '4', 'video[id]': id }), b),
      await call(t, 'GET', `/v1/videos?after=${id}`, { key: b }),
      await call(t, 'DELETE', `/v1/videos/${id}`, { key: b }),
    ];
    for (const p of probes) {
      const e = assertError(p, 404);
      assert.ok(e.code === 'not_found', `code ${e.code}: ${p.text}`);
    }
  }
  const e = assertError(await call(t, 'GET', `/v1/videos/characters/${char}`, { key: b }), 404, { code: 'not_found' });
  assert.ok(e.message.includes(char));
  assertError(await postJson(t, '/v1/videos', { prompt: `Moss walks ${SLOW}`, characters: [{ id: char }] }, b), 404, { param: 'characters[0].id' });

  const listB = await call(t, 'GET', '/v1/videos?limit=100', { key: b });
  assert.equal(listB.status, 200);
  assert.deepEqual(listB.body.data, []);
  assert.equal(listB.body.has_more, false);
  assert.equal(listB.body.first_id, null);
  // B's own work is just as invisible to A.
  const mine = assertVideo(await postJson(t, '/v1/videos', { prompt: `b's own ${SLOW}` }, b));
  assertError(await call(t, 'GET', `/v1/videos/${mine.id}`, { key: a }), 404);
  const listB2 = await call(t, 'GET', '/v1/videos?limit=100', { key: b });
  assert.deepEqual(listB2.body.data.map((v: { id: string }) => v.id), [mine.id]);

  // A's things are untouched.
  const still = await call(t, 'GET', `/v1/videos/${done.id}`, { key: a });
  assert.equal(still.body.status, 'completed');
  const after = Buffer.from(await (await fetch(`${t.url}/v1/videos/${done.id}/content`, { headers: t.auth(a) })).arrayBuffer());
  assert.ok(after.equals(mp4), 'same bytes as before');
  assert.equal(createHash('sha256').update((await call(t, 'GET', `/v1/videos/${done.id}/content`, { key: a })).text, 'latin1').digest('hex'), digest);
  assert.ok(['queued', 'in_progress'].includes((await call(t, 'GET', `/v1/videos/${running.id}`, { key: a })).body.status));
  assert.equal((await call(t, 'GET', `/v1/videos/characters/${char}`, { key: a })).body.name, 'Moss');
  const listA = await call(t, 'GET', '/v1/videos?limit=100', { key: a });
  assert.ok(listA.body.data.some((v: { id: string }) => v.id === done.id));
  assert.ok(!listA.body.data.some((v: { id: string }) => v.id === mine.id));
});
