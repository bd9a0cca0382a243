// Finished videos are served from memory while polled; the cache must never answer for a video
// that was deleted, expired, belongs to another project, or was changed by another connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore, VERSION_CHECK_MS } from '../../src/store/sqlite/store.js';
import { tempDir } from '../helpers/server.js';

const params = { seed: 1, fit: 'crop' as const, referenceKey: null, uploadKey: null, characters: [], extensionCount: 0 };

test('a finished video is cached per project and evicted by delete, expiry and other writers', async () => {
  const dir = tempDir();
  const file = join(dir, 'reelay.db');
  const store = new SqliteStore(file);
  try {
    const project = await store.ensureProject('default');
    const other = await store.ensureProject('other');
    const insert = async (id: string) => {
      await store.insertVideo({ id, projectId: project, model: 'sora-2', createdAt: 1, prompt: 'p', size: '720x1280', seconds: '4', remixedFromVideoId: null, kind: 'create', sourceVideoId: null, params, engine: 'local', billedSeconds: 4 });
      const claimed = await store.claimNext('me', 60_000, Date.now());
      assert.equal(claimed?.id, id);
      assert.ok(await store.complete(id, 'me', 10, 1000, []));
    };
    await insert('video_a');
    await insert('video_b');
    await insert('video_c');

    const first = await store.getVideo('video_a', project);
    assert.equal(first?.status, 'completed');
    assert.equal(await store.getVideo('video_a', project), first, 'the second read is the cached object');
    assert.equal(await store.getVideo('video_a', other), null, 'another project never sees it');

    assert.ok(await store.markDeleted('video_a', project, 20));
    assert.equal(await store.getVideo('video_a', project), null, 'deleted: gone at once');

    assert.equal((await store.getVideo('video_b', project))?.expiredAt, null);
    await store.markExpired('video_b', 30);
    assert.equal((await store.getVideo('video_b', project))?.expiredAt, 30, 'expiry is seen at once');

    // Another connection (another process) changes a cached row: seen on the next read.
    assert.equal((await store.getVideo('video_c', project))?.prompt, 'p');
    const elsewhere = new Database(file);
    elsewhere.prepare("UPDATE videos SET deleted_at = 40 WHERE id = 'video_c'").run();
    elsewhere.close();
    await new Promise((r) => setTimeout(r, VERSION_CHECK_MS * 2)); // past the next data_version check
    assert.equal(await store.getVideo('video_c', project), null);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
