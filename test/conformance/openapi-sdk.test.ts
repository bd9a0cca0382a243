// The official openai client against a real reelay, every /v1/videos operation, with every JSON
// body checked against OpenAI's published OpenAPI document (widened as VIDEOS_API.md says) and the
// contract's headers checked on every response.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import OpenAI, { toFile } from 'openai';
import sharp from 'sharp';
import { startTestServer, tempDir, rmrf, type TestServer } from '../helpers/server.js';
import { probeBuffer, imageInfo } from '../helpers/media.js';
import { Recorder, SpecValidator, problems } from '../helpers/openapi.js';
import { run, tools, extractFramePng } from '../../src/media/index.js';

const FRAME = 1 / 24;

let t: TestServer;
let client: OpenAI;
let rec: Recorder;
const validator = new SpecValidator();
const scratch = tempDir('reelay-conformance-');

/** Every video this suite created and did not delete, in creation order. */
const live: string[] = [];
let base: OpenAI.Videos.Video;
let baseMp4: Buffer;

before(async () => {
  t = await startTestServer({ logLevel: 'error' }); // the failure tests would log engine errors at warn
  rec = new Recorder(validator);
  client = new OpenAI({ apiKey: t.key, baseURL: t.base, maxRetries: 0, timeout: 120_000, fetch: rec.fetch });
});
after(async () => {
  await t.close();
  rmrf(scratch);
});

/** A test whose recorded responses must all conform once its body has run. */
function conformance(name: string, fn: () => Promise<void>) {
  test(name, async () => {
    rec.takeProblems();
    await fn();
    rec.assertConformant();
  });
}

async function completed(id: string): Promise<OpenAI.Videos.Video> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const v = await client.videos.retrieve(id);
    if (v.status === 'completed' || v.status === 'failed') {
      assert.equal(v.status, 'completed', `video ${id} failed: ${JSON.stringify(v.error)}`);
      assert.equal(v.progress, 100);
      assert.ok(v.completed_at && v.completed_at >= v.created_at);
      assert.ok(v.expires_at && v.expires_at > v.completed_at);
      return v;
    }
    assert.ok(Date.now() < deadline, `video ${id} still ${v.status}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function download(id: string, variant: 'video' | 'thumbnail' | 'spritesheet' = 'video') {
  const res = await client.videos.downloadContent(id, { variant });
  return { type: res.headers.get('content-type') ?? '', bytes: Buffer.from(await res.arrayBuffer()) };
}

async function assertMp4(bytes: Buffer, size: string, seconds: number) {
  const info = await probeBuffer(bytes);
  assert.equal(info.codec, 'h264');
  assert.equal(info.pixFmt, 'yuv420p');
  assert.equal(`${info.width}x${info.height}`, size);
  assert.ok(Math.abs(info.duration - seconds) <= FRAME + 1e-3, `duration ${info.duration}, expected ${seconds} ± 1 frame`);
}

/** The mean RGB of an MP4's first frame. */
let frameFiles = 0;
async function firstFrameMean(bytes: Buffer): Promise<number[]> {
  const file = join(scratch, `first-${++frameFiles}.mp4`);
  writeFileSync(file, bytes);
  const stats = await sharp(await extractFramePng(file, 0)).stats();
  return stats.channels.slice(0, 3).map((c) => c.mean);
}

function assertNearColour(actual: number[], expected: number[], label: string) {
  assert.ok(actual.every((v, i) => Math.abs(v - expected[i]) <= 16), `${label}: first frame mean ${actual.map(Math.round)} is not near ${expected}`);
}

/** The SDK error a call fails with. */
async function sdkError(p: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof OpenAI.APIError, `expected an APIError, got ${String(err)}`);
    return err;
  }
  assert.fail('the call succeeded');
}

function lastExchange(method: string, path: RegExp) {
  const found = rec.find(method, path);
  assert.ok(found.length, `no ${method} ${path} recorded`);
  return found[found.length - 1];
}

test('the schema check rejects bodies that break the published shapes and accepts the widening', () => {
  const good = {
    id: 'video_0123456789abcdef0123456789abcdef', object: 'video', model: 'sora-2', status: 'completed', progress: 100,
    created_at: 1760000000, completed_at: 1760000010, expires_at: 1760086410, prompt: 'a kite', size: '1280x720',
    seconds: '4', remixed_from_video_id: null, error: null,
  };
  assert.deepEqual(validator.errors('VideoResource', good), []);
  assert.deepEqual(validator.errors('VideoResource', { ...good, size: '1920x1080', seconds: '20' }), []);
  assert.deepEqual(validator.errors('VideoResource', { ...good, seconds: '88' }), []);
  const { error: _dropped, ...missing } = good;
  assert.notDeepEqual(validator.errors('VideoResource', missing), []);
  assert.notDeepEqual(validator.errors('VideoResource', { ...good, status: 'done' }), []);
  assert.notDeepEqual(validator.errors('VideoResource', { ...good, size: '720p' }), []);
  assert.notDeepEqual(validator.errors('VideoResource', { ...good, created_at: 1.5 }), []);
  assert.notDeepEqual(validator.errors('VideoResource', { ...good, error: { message: 'no code' } }), []);
  assert.notDeepEqual(validator.errors('VideoListResource', { object: 'list', data: [good], first_id: good.id, has_more: false }), []);
  assert.notDeepEqual(validator.errors('DeletedVideoResource', { id: good.id, object: 'video', deleted: true }), []);
  assert.notDeepEqual(validator.errors('VideoCharacterResource', { id: 'char_1', name: 'x' }), []);
  assert.notDeepEqual(validator.errors('ErrorEnvelope', { error: { message: 'm', type: 't', code: null } }), []);
  assert.notDeepEqual(validator.errors('ErrorEnvelope', { message: 'm' }), []);

  // Headers: a queued video without openai-poll-after-ms, a completed one with it, no request id.
  const ex = (json: unknown, headers: Record<string, string>) => ({
    method: 'GET', url: new URL('http://h/v1/videos/video_1'), requestBody: 'none' as const, status: 200,
    headers: new Headers({ 'content-type': 'application/json', ...headers }), contentType: 'application/json', json,
  });
  const okHeaders = { 'x-request-id': 'r', 'openai-processing-ms': '1' };
  assert.deepEqual(problems(validator, ex(good, okHeaders)), []);
  assert.equal(problems(validator, ex({ ...good, status: 'queued', progress: 0 }, okHeaders)).length, 1);
  assert.equal(problems(validator, ex(good, { ...okHeaders, 'openai-poll-after-ms': '1000' })).length, 1);
  assert.equal(problems(validator, ex(good, { 'openai-processing-ms': '1' })).length, 1);
  assert.equal(problems(validator, ex(good, { 'x-request-id': 'r' })).length, 1);
});

conformance('create as the SDK sends it (multipart), retrieve until completed', async () => {
  const created = await client.videos.create({ prompt: 'a red kite over a meadow on a sunny day', seconds: '4', size: '1280x720' });
  assert.equal(lastExchange('POST', /^\/v1\/videos$/).requestBody, 'multipart');
  assert.match(created.id, /^video_[0-9a-f]{32}$/);
  assert.equal(created.object, 'video');
  assert.equal(created.status, 'queued');
  assert.equal(created.model, 'sora-2');
  assert.equal(created.size, '1280x720');
  assert.equal(created.seconds, '4');
  assert.equal(created.completed_at, null);
  live.push(created.id);
  base = await completed(created.id);
  assert.equal(base.prompt, 'a red kite over a meadow on a sunny day');
  assert.equal(base.remixed_from_video_id, null);
  assert.equal(base.error, null);
  // Polling saw at least the queued answer and the completed one, each with the right headers.
  assert.ok(rec.find('GET', new RegExp(`^/v1/videos/${created.id}$`)).length >= 1);
});

conformance('downloadContent: H.264 MP4 at the exact size and duration, WebP thumbnail, JPEG spritesheet', async () => {
  const video = await download(base.id);
  assert.equal(video.type, 'video/mp4');
  await assertMp4(video.bytes, '1280x720', 4);
  baseMp4 = video.bytes;

  const thumb = await download(base.id, 'thumbnail');
  assert.equal(thumb.type, 'image/webp');
  const ti = await imageInfo(thumb.bytes);
  assert.equal(ti.format, 'webp');
  assert.ok(ti.width! > 0 && Math.abs(ti.width! / ti.height! - 16 / 9) < 0.02, `thumbnail ${ti.width}x${ti.height} is not 16:9`);

  const sprite = await download(base.id, 'spritesheet');
  assert.equal(sprite.type, 'image/jpeg');
  const si = await imageInfo(sprite.bytes);
  assert.equal(si.format, 'jpeg');
  assert.ok(si.width! > ti.width! / 4 && si.height! > 0);
  for (const ex of rec.find('GET', /\/content$/)) assert.equal(ex.status, 200);

  // A player's byte range through the SDK: 206 with exactly those bytes.
  const part = await client.videos.downloadContent(base.id, { variant: 'video' }, { headers: { Range: 'bytes=100-1123' } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), `bytes 100-1123/${video.bytes.length}`);
  assert.deepEqual(Buffer.from(await part.arrayBuffer()), video.bytes.subarray(100, 1124));
});

conformance('create with input_reference as an uploaded file (toFile)', async () => {
  const png = await sharp({ create: { width: 640, height: 360, channels: 3, background: '#3366cc' } }).png().toBuffer();
  const created = await client.videos.create({
    prompt: 'the camera slowly pushes in on a calm lake',
    seconds: '4',
    size: '1280x720',
    input_reference: await toFile(png, 'ref.png', { type: 'image/png' }),
  });
  assert.equal(lastExchange('POST', /^\/v1\/videos$/).requestBody, 'multipart');
  live.push(created.id);
  const done = await completed(created.id);
  assert.equal(done.size, '1280x720');
  assert.equal(done.seconds, '4');
  // The reference (cropped to fill) is the first frame.
  assertNearColour(await firstFrameMean((await download(done.id)).bytes), [0x33, 0x66, 0xcc], 'input_reference file');
});

conformance('create with input_reference as {image_url: data:...}', async () => {
  const jpeg = await sharp({ create: { width: 720, height: 1280, channels: 3, background: '#cc6633' } }).jpeg().toBuffer();
  const created = await client.videos.create({
    prompt: 'autumn leaves falling in a quiet park',
    seconds: '4',
    size: '720x1280',
    input_reference: { image_url: `data:image/jpeg;base64,${jpeg.toString('base64')}` },
  });
  live.push(created.id);
  const done = await completed(created.id);
  assert.equal(done.size, '720x1280');
  const mp4 = (await download(done.id)).bytes;
  await assertMp4(mp4, '720x1280', 4);
  assertNearColour(await firstFrameMean(mp4), [0xcc, 0x66, 0x33], 'input_reference image_url');
});

conformance('remix: same model, size and seconds, remixed_from_video_id set', async () => {
  const remix = await client.videos.remix(base.id, { prompt: 'the same kite, now at sunset' });
  assert.equal(lastExchange('POST', /\/remix$/).requestBody, 'json');
  assert.equal(remix.remixed_from_video_id, base.id);
  assert.notEqual(remix.id, base.id);
  live.push(remix.id);
  const done = await completed(remix.id);
  assert.equal(done.remixed_from_video_id, base.id);
  assert.equal(done.model, base.model);
  assert.equal(done.size, base.size);
  assert.equal(done.seconds, base.seconds);
  assert.equal(done.prompt, 'the same kite, now at sunset');
});

conformance('edit by video id', async () => {
  const edit = await client.videos.edit({ prompt: 'make it night time', video: { id: base.id } });
  assert.equal(lastExchange('POST', /^\/v1\/videos\/edits$/).requestBody, 'multipart');
  live.push(edit.id);
  const done = await completed(edit.id);
  assert.equal(done.model, base.model);
  assert.equal(done.size, base.size);
  assert.equal(done.seconds, base.seconds);
  await assertMp4((await download(done.id)).bytes, base.size, Number(base.seconds));
});

conformance('edit by an uploaded video file', async () => {
  const edit = await client.videos.edit({ prompt: 'make it snow', video: await toFile(baseMp4, 'source.mp4', { type: 'video/mp4' }) });
  assert.equal(lastExchange('POST', /^\/v1\/videos\/edits$/).requestBody, 'multipart');
  live.push(edit.id);
  const done = await completed(edit.id);
  assert.equal(done.size, '1280x720');
  assert.equal(done.seconds, '4');
  await assertMp4((await download(done.id)).bytes, '1280x720', 4);
});

conformance('extend: seconds is the stitched total and the file is that long', async () => {
  const ext = await client.videos.extend({ prompt: 'the kite climbs into the clouds', seconds: '4', video: { id: base.id } });
  assert.equal(lastExchange('POST', /^\/v1\/videos\/extensions$/).requestBody, 'multipart');
  assert.equal(ext.seconds, '8');
  live.push(ext.id);
  const done = await completed(ext.id);
  assert.equal(done.seconds, '8');
  assert.equal(done.size, base.size);
  assert.equal(done.model, base.model);
  const extended = (await download(done.id)).bytes;
  await assertMp4(extended, base.size, 8);
  // The stitched file starts with the source.
  assertNearColour(await firstFrameMean(extended), await firstFrameMean(baseMp4), 'extension head');

  // The source may also be an uploaded file: its length plus the extension.
  const fromFile = await client.videos.extend({ prompt: 'the kite lands', seconds: '4', video: await toFile(baseMp4, 'source.mp4', { type: 'video/mp4' }) });
  assert.equal(fromFile.seconds, '8');
  live.push(fromFile.id);
  const doneFile = await completed(fromFile.id);
  await assertMp4((await download(doneFile.id)).bytes, '1280x720', 8);
});

conformance('createCharacter from an uploaded clip, getCharacter, then a video that uses it', async () => {
  const clip = join(scratch, 'character.mp4');
  await run(tools().ffmpeg, [
    '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=24', '-t', '2',
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', clip,
  ]);
  const character = await client.videos.createCharacter({
    name: 'Captain Whiskers',
    video: await toFile(readFileSync(clip), 'character.mp4', { type: 'video/mp4' }),
  });
  assert.match(character.id ?? '', /^char_[0-9a-f]{32}$/);
  assert.equal(character.name, 'Captain Whiskers');
  assert.ok(Number.isInteger(character.created_at));

  const got = await client.videos.getCharacter(character.id!);
  assert.deepEqual({ id: got.id, name: got.name, created_at: got.created_at }, { id: character.id, name: character.name, created_at: character.created_at });

  // VideoCreateParams has no `characters` yet; the SDK sends it as characters[][id].
  const params = { prompt: 'Captain Whiskers sails a small boat across a lake', seconds: '4', characters: [{ id: character.id! }] };
  const created = await client.videos.create(params as OpenAI.Videos.VideoCreateParams);
  live.push(created.id);
  const done = await completed(created.id);
  assert.equal(done.prompt, params.prompt);

  const unnamed = await sdkError(
    client.videos.create({ prompt: 'a small boat on a lake', characters: [{ id: character.id! }] } as OpenAI.Videos.VideoCreateParams),
  );
  assert.ok(unnamed instanceof OpenAI.BadRequestError);
  assert.match(unnamed.message, /Captain Whiskers/);

  const notVideo = await sdkError(
    client.videos.createCharacter({ name: 'Nobody', video: await toFile(Buffer.from('not a video at all'), 'x.mp4', { type: 'video/mp4' }) }),
  );
  assert.ok(notVideo instanceof OpenAI.BadRequestError);
  assert.equal(notVideo.param, 'video');
  const longName = await sdkError(
    client.videos.createCharacter({ name: 'x'.repeat(81), video: await toFile(readFileSync(clip), 'character.mp4', { type: 'video/mp4' }) }),
  );
  assert.ok(longName instanceof OpenAI.BadRequestError);
  assert.equal(longName.param, 'name');
});

conformance('downloading before completion is a BadRequestError with code video_not_ready; delete cancels it', async () => {
  const slow = await client.videos.create({ prompt: 'a slow sunrise [reelay:slow=30]', seconds: '4' });
  const err = await sdkError(client.videos.downloadContent(slow.id));
  assert.ok(err instanceof OpenAI.BadRequestError, `got ${err.constructor.name}`);
  assert.equal(err.status, 400);
  assert.equal(err.code, 'video_not_ready');
  assert.equal(err.type, 'invalid_request_error');
  const now = await client.videos.retrieve(slow.id);
  assert.ok(now.status === 'queued' || now.status === 'in_progress', now.status);
  assert.ok(lastExchange('GET', new RegExp(`^/v1/videos/${slow.id}$`)).headers.get('openai-poll-after-ms'));

  // Only a completed video can be remixed, edited or extended.
  for (const call of [
    () => client.videos.remix(slow.id, { prompt: 'again' }),
    () => client.videos.edit({ prompt: 'again', video: { id: slow.id } }),
    () => client.videos.extend({ prompt: 'again', seconds: '4', video: { id: slow.id } }),
  ]) {
    const notDone = await sdkError(call());
    assert.ok(notDone instanceof OpenAI.BadRequestError, `${notDone.constructor.name}: ${notDone.message}`);
    assert.equal(notDone.type, 'invalid_request_error');
  }

  const deleted = await client.videos.delete(slow.id);
  assert.deepEqual(deleted, { id: slow.id, object: 'video.deleted', deleted: true });
  const gone = await sdkError(client.videos.retrieve(slow.id));
  assert.ok(gone instanceof OpenAI.NotFoundError);
});

conformance('plain JSON bodies (as curl sends them) answer the same objects', async () => {
  const post = async (path: string, body: unknown) => {
    const res = await rec.fetch(`${t.base}${path}`, {
      method: 'POST',
      headers: { ...t.auth(), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as OpenAI.Videos.Video;
  };
  const created = await post('/videos', { prompt: 'a lighthouse in fog', seconds: '8', size: '720x1280' });
  assert.equal(created.seconds, '8');
  assert.equal(created.size, '720x1280');
  const remix = await post(`/videos/${base.id}/remix`, { prompt: 'a lighthouse at dawn' });
  assert.equal(remix.remixed_from_video_id, base.id);
  const edit = await post('/videos/edits', { prompt: 'in black and white', video: { id: base.id } });
  assert.equal(edit.size, base.size);
  const ext = await post('/videos/extensions', { prompt: 'the fog lifts', seconds: '8', video: { id: base.id } });
  assert.equal(ext.seconds, '12');
  assert.ok(rec.exchanges.slice(-4).every((e) => e.requestBody === 'json'));
  // Not needed further: deleting cancels their renders.
  for (const v of [created, remix, edit, ext]) assert.equal((await client.videos.delete(v.id)).deleted, true);
});

conformance('a failed video is terminal: error {code, message}, completed_at set, no content', async () => {
  for (const [directive, code] of [['[reelay:moderation]', 'moderation_blocked'], ['[reelay:error]', 'engine_error']]) {
    const created = await client.videos.create({ prompt: `a parade ${directive}`, seconds: '4' });
    let v = created;
    const deadline = Date.now() + 120_000;
    while (v.status !== 'failed' && v.status !== 'completed') {
      assert.ok(Date.now() < deadline, `still ${v.status}`);
      await new Promise((r) => setTimeout(r, 150));
      v = await client.videos.retrieve(created.id);
    }
    assert.equal(v.status, 'failed');
    assert.equal(v.error?.code, code);
    assert.ok(v.error?.message);
    assert.ok(v.completed_at);
    assert.equal(v.expires_at, null);
    assert.ok(v.progress < 100);
    const err = await sdkError(client.videos.downloadContent(v.id));
    assert.ok(err instanceof OpenAI.BadRequestError);
    assert.equal(err.code, 'video_not_ready');
    const notSource = await sdkError(client.videos.remix(v.id, { prompt: 'again' }));
    assert.ok(notSource instanceof OpenAI.BadRequestError);
    live.push(v.id);
  }
});

conformance('delete: then retrieve is NotFoundError and list no longer shows it', async () => {
  const victim = live.splice(live.indexOf(base.id) + 1, 1)[0]; // the reference-file video
  const deleted = await client.videos.delete(victim);
  assert.deepEqual(deleted, { id: victim, object: 'video.deleted', deleted: true });
  const err = await sdkError(client.videos.retrieve(victim));
  assert.ok(err instanceof OpenAI.NotFoundError);
  assert.equal(err.status, 404);
  const again = await sdkError(client.videos.delete(victim));
  assert.ok(again instanceof OpenAI.NotFoundError);
  const content = await sdkError(client.videos.downloadContent(victim));
  assert.ok(content instanceof OpenAI.NotFoundError);
  const ids: string[] = [];
  for await (const v of client.videos.list({ limit: 100 })) ids.push(v.id);
  assert.ok(!ids.includes(victim));
  assert.ok(ids.includes(base.id));
});

conformance('list: auto-pagination over several pages, in order, no duplicates, has_more right', async () => {
  assert.ok(live.length >= 5, `only ${live.length} videos`);
  const pagesBefore = rec.find('GET', /^\/v1\/videos$/).length;

  const desc: string[] = [];
  for await (const v of client.videos.list({ limit: 2 })) desc.push(v.id);
  assert.equal(new Set(desc).size, desc.length, 'duplicates across pages');
  assert.deepEqual(desc, [...live].reverse(), 'newest first, every live video exactly once');

  const pages = rec.find('GET', /^\/v1\/videos$/).slice(pagesBefore);
  assert.equal(pages.length, Math.ceil(live.length / 2));
  pages.forEach((p, i) => {
    const body = p.json as OpenAI.Videos.Video[] & { data: { id: string }[]; has_more: boolean; first_id: string; last_id: string };
    assert.equal(p.url.searchParams.get('limit'), '2');
    assert.equal(body.has_more, i < pages.length - 1, `has_more on page ${i + 1} of ${pages.length}`);
    assert.equal(body.first_id, body.data[0].id);
    assert.equal(body.last_id, body.data[body.data.length - 1].id);
    if (i > 0) assert.equal(p.url.searchParams.get('after'), (pages[i - 1].json as { last_id: string }).last_id);
  });

  // A page size that leaves a partial last page, ascending.
  const asc: string[] = [];
  for await (const v of client.videos.list({ limit: 3, order: 'asc' })) asc.push(v.id);
  assert.deepEqual(asc, live);
  const last = rec.find('GET', /^\/v1\/videos$/).at(-1)!.json as { data: unknown[]; has_more: boolean };
  assert.equal(last.has_more, false);
  assert.ok(last.data.length >= 1 && last.data.length <= 3);

  // A page that holds exactly everything: has_more is false, so the SDK asks for nothing more.
  const exactBefore = rec.find('GET', /^\/v1\/videos$/).length;
  const all: string[] = [];
  for await (const v of client.videos.list({ limit: live.length })) all.push(v.id);
  assert.deepEqual(all, [...live].reverse());
  const exact = rec.find('GET', /^\/v1\/videos$/).slice(exactBefore);
  assert.equal(exact.length, 1);
  assert.equal((exact[0].json as { has_more: boolean }).has_more, false);

  // One page by hand: hasNextPage and getNextPage agree with has_more.
  const first = await client.videos.list({ limit: live.length - 1 });
  assert.equal(first.data.length, live.length - 1);
  assert.equal(first.hasNextPage(), true);
  const second = await first.getNextPage();
  assert.deepEqual(second.data.map((v) => v.id), [live[0]]);
  assert.equal(second.hasNextPage(), false);

  // The cursor survives its video being deleted between two pages.
  const newest = [...live].reverse();
  const page1 = await client.videos.list({ limit: 2 });
  assert.deepEqual(page1.data.map((v) => v.id), newest.slice(0, 2));
  await client.videos.delete(newest[1]);
  live.splice(live.indexOf(newest[1]), 1);
  const page2 = await page1.getNextPage();
  assert.deepEqual(page2.data.map((v) => v.id), newest.slice(2, 4));
});

conformance('models: list and retrieve, each with capabilities, owned by the local renderer', async () => {
  const models: OpenAI.Models.Model[] = [];
  for await (const m of client.models.list()) models.push(m);
  const ids = models.map((m) => m.id);
  for (const id of ['sora-2', 'sora-2-pro', 'sora-2-2025-10-06', 'sora-2-2025-12-08', 'sora-2-pro-2025-10-06']) assert.ok(ids.includes(id), id);
  for (const m of models) assert.match(m.owned_by, /reelay-local/);

  const pro = (await client.models.retrieve('sora-2-pro')) as OpenAI.Models.Model & { capabilities: { sizes: string[]; seconds: string[] } };
  assert.equal(pro.id, 'sora-2-pro');
  assert.ok(pro.capabilities.sizes.includes('1920x1080'));
  assert.deepEqual(pro.capabilities.seconds, ['4', '8', '12', '16', '20']);
  const std = (await client.models.retrieve('sora-2')) as OpenAI.Models.Model & { capabilities: { sizes: string[] } };
  assert.deepEqual([...std.capabilities.sizes].sort(), ['1280x720', '720x1280']);

  const missing = await sdkError(client.models.retrieve('sora-9'));
  assert.ok(missing instanceof OpenAI.NotFoundError);
  assert.equal(missing.code, 'model_not_found');
  assert.equal(missing.param, 'model');
  assert.equal((missing.error as { message: string }).message, 'The model `sora-9` does not exist or you do not have access to it.');
});

conformance('errors the SDK surfaces: NotFoundError for unknown ids and models, in the contract envelope', async () => {
  const unknownVideo = `video_${'0'.repeat(32)}`;
  for (const call of [
    () => client.videos.retrieve(unknownVideo),
    () => client.videos.delete(unknownVideo),
    () => client.videos.downloadContent(unknownVideo),
    () => client.videos.remix(unknownVideo, { prompt: 'again' }),
    () => client.videos.edit({ prompt: 'again', video: { id: unknownVideo } }),
    () => client.videos.extend({ prompt: 'again', seconds: '4', video: { id: unknownVideo } }),
    () => client.videos.getCharacter(`char_${'0'.repeat(32)}`),
    () => client.videos.create({ prompt: 'Nobody waves', characters: [{ id: `char_${'0'.repeat(32)}` }] } as OpenAI.Videos.VideoCreateParams),
  ]) {
    const err = await sdkError(call());
    assert.ok(err instanceof OpenAI.NotFoundError, `${err.constructor.name}: ${err.message}`);
    assert.equal(err.type, 'invalid_request_error');
  }
  const model = await sdkError(client.videos.create({ prompt: 'a kite', model: 'sora-9' }));
  assert.ok(model instanceof OpenAI.NotFoundError);
  assert.equal(model.code, 'model_not_found');
  assert.equal((model.error as { message: string }).message, 'The model `sora-9` does not exist or you do not have access to it.');

  const bad = await sdkError(client.videos.create({ prompt: 'a kite', seconds: '15' as '4' }));
  assert.ok(bad instanceof OpenAI.BadRequestError);
  assert.equal(bad.code, 'invalid_value');
  assert.equal(bad.param, 'seconds');
  // Every one of those answers was an error envelope with a request id (checked by the recorder).
  assert.ok(rec.exchanges.filter((e) => e.status >= 400).length >= 10);
});

test('every operation of the OpenAPI document was exercised with a successful answer', () => {
  const ops = SpecValidator.operations();
  assert.ok(ops.length >= 10, `only ${ops.length} operations found in the document`);
  const missed = ops.filter((op) => !rec.exchanges.some((e) => e.method === op.method && op.pattern.test(e.url.pathname) && e.status === 200));
  assert.deepEqual(missed.map((op) => `${op.method} ${op.path}`), []);
});
