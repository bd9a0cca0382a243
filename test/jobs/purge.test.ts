// A delete is durable: if reelay dies after marking a video deleted but before removing its
// files, the sweeper removes them later (the finished video's assets, a queued video's reference
// image) and then leaves the video alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { startTestServer, waitForVideo } from '../helpers/server.js';

test('the sweeper purges videos deleted without their files being removed', async () => {
  // No sweeps on a timer: this test calls the sweeper itself.
  const t = await startTestServer({ concurrency: 1, sweepIntervalMs: 3_600_000 });
  try {
    const project = await t.server.store.ensureProject('default');
    const blobs = (prefix: string) => join(t.cfg.dataDir, 'blobs', prefix);
    const finished = await t.client.videos.create({ prompt: 'a red kite over a meadow', seconds: '4', size: '720x1280' });
    assert.equal((await waitForVideo(t.client, finished.id)).status, 'completed');
    // One slow job holds the only runner slot, so the next one stays queued with its reference image.
    const busy = await t.client.videos.create({ prompt: 'a harbour [reelay:slow=600]' });
    const ref = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#c33' } }).png().toBuffer();
    const queued = await t.client.videos.create({
      prompt: 'a lighthouse',
      input_reference: new File([new Uint8Array(ref)], 'ref.png', { type: 'image/png' }),
    });
    assert.equal((await t.client.videos.retrieve(queued.id)).status, 'queued');
    assert.ok(readdirSync(blobs(`videos/${finished.id}`)).length >= 3, 'the finished video has its files');
    assert.ok(existsSync(blobs(`inputs/${queued.id}`)), 'the queued video has its reference');

    // The crash: rows marked deleted, files still there.
    assert.ok(await t.server.store.markDeleted(finished.id, project, 1));
    assert.ok(await t.server.store.markDeleted(queued.id, project, 1));
    assert.equal((await t.server.store.listAssets(finished.id)).length, 3);

    assert.equal(await t.server.sweeper.sweep(), 2);
    assert.equal(existsSync(blobs(`videos/${finished.id}`)), false, 'the finished video files are gone');
    assert.equal((await t.server.store.listAssets(finished.id)).length, 0, 'its asset rows are gone');
    assert.equal(existsSync(blobs(`inputs/${queued.id}`)), false, 'the reference is gone');
    assert.equal(await t.server.sweeper.sweep(), 0, 'purged videos are not visited again');
    await t.client.videos.delete(busy.id);
  } finally {
    await t.close();
  }
});
