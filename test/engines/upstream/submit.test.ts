// What reelay sends upstream for an extension: the seconds to add, whether the source is a video
// the upstream made (by its id) or a file the user uploaded (sent along).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildRequest } from '../../../src/engines/upstream/submit.js';
import type { UpstreamClient } from '../../../src/engines/upstream/client.js';
import type { JobContext } from '../../../src/engines/engine.js';
import type { VideoRecord } from '../../../src/store/index.js';
import { tempDir } from '../../helpers/server.js';

const client = { cfg: { models: { 'sora-2': { upstreamModel: 'up-model' } }, extraFields: {}, multipartOnly: false } } as unknown as UpstreamClient;

function extensionJob(over: Partial<VideoRecord['params']>, sourcePath: string | null, source: VideoRecord | null): JobContext {
  const video = {
    id: 'video_ext', projectId: 'p', model: 'sora-2', status: 'in_progress', progress: 0, createdAt: 0, completedAt: null, expiresAt: null,
    prompt: 'it goes on', size: '1280x720', seconds: '12', remixedFromVideoId: null, errorCode: null, errorMessage: null, kind: 'extension',
    sourceVideoId: source?.id ?? null, engine: 'up', engineState: null, attempts: 1, leaseOwner: 'me', leaseUntil: 0, availableAt: 0, deletedAt: null, expiredAt: null,
    params: { seed: 1, fit: 'crop', referenceKey: null, uploadKey: sourcePath ? 'inputs/video_ext/source.mp4' : null, characters: [], extensionCount: 1, ...over },
  } as VideoRecord;
  return { video, inputs: { referencePath: null, sourceVideoPath: sourcePath, source, characters: [] } } as unknown as JobContext;
}

test('an uploaded file extended upstream asks for the added seconds, not the stitched total', async () => {
  const dir = tempDir();
  try {
    const clip = join(dir, 'source.mp4');
    writeFileSync(clip, Buffer.from('not really a video, only bytes to send'));
    // An 8 s upload extended by 4: the row's seconds is the total, 12.
    const built = await buildRequest(client, extensionJob({ extendSeconds: 4 }, clip, null), null);
    assert.equal(built.path, '/videos/extensions');
    assert.match(built.contentType, /^multipart\/form-data; boundary=/);
    const body = built.body.toString('latin1');
    assert.match(body, /name="seconds"\r\n\r\n4\r\n/);
    assert.match(body, /name="video"; filename="source.mp4"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an upstream-made video is extended by its upstream id; jobs stored before extendSeconds still work', async () => {
  const source = { id: 'video_src', seconds: '8' } as VideoRecord;
  const built = await buildRequest(client, extensionJob({}, null, source), 'up_123');
  assert.deepEqual(JSON.parse(built.body.toString()), { prompt: 'it goes on', seconds: '4', video: { id: 'up_123' } });
});

test('characters go as [{id}] in JSON and as characters[0][id] in multipart', async () => {
  const create = { ...extensionJob({}, null, null), video: { ...extensionJob({}, null, null).video, kind: 'create', seconds: '4' } } as unknown as JobContext;
  const json = await buildRequest(client, create, null, ['char_a', 'char_b']);
  assert.deepEqual(JSON.parse(json.body.toString()).characters, [{ id: 'char_a' }, { id: 'char_b' }]);
  const multipartOnly = { cfg: { ...client.cfg, multipartOnly: true } } as unknown as UpstreamClient;
  const form = (await buildRequest(multipartOnly, create, null, ['char_a'])).body.toString('latin1');
  assert.match(form, /name="characters\[0\]\[id\]"\r\n\r\nchar_a\r\n/);
  assert.match(form, /name="model"\r\n\r\nup-model\r\n/);
});
