// The official Python `openai` package (sync and async clients) against a real reelay: the pytest
// suite in test/conformance/python drives every client.videos method and client.models through
// the SDK, and logs every response it receives (httpx event hooks); this file starts the server,
// runs that suite in a venv (test/helpers/python.ts), then checks every logged response against
// OpenAI's published OpenAPI document and the contract's headers, as openapi-sdk.test.ts does for
// the Node SDK. Skipped (one line) only where python3 is missing, and never in CI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLossyProxy } from '../helpers/lossy-proxy.js';
import { startTestServer, tempDir, rmrf } from '../helpers/server.js';
import { SpecValidator, problems, type Exchange } from '../helpers/openapi.js';
import { ensurePythonEnv, PYTHON_SUITE_DIR } from '../helpers/python.js';
import { createKey } from '../../src/http/index.js';

const LIMITED_PROJECT = 'python-sdk-limited';
/** A token every 2 s: long enough to tell the SDK honouring retry-after-ms from its own backoff (< 0.5 s). */
const LIMITED_RPM = 30;
const PYTEST_TIMEOUT_MS = 300_000;
const validator = new SpecValidator();

/** One line of the exchange log (conftest.py's `_record`). */
interface LogLine {
  client: 'sync' | 'async';
  project: 'main' | 'other' | 'limited' | 'badkey';
  test: string;
  method: string;
  url: string;
  request_content_type: string | null;
  request_headers: Record<string, string>;
  status: number;
  headers: [string, string][];
  body: string | null;
  sent_at: number | null;
  received_at: number;
}

interface Logged extends Exchange {
  line: LogLine;
}

function toExchange(line: LogLine): Logged {
  const headers = new Headers();
  for (const [k, v] of line.headers) headers.append(k, v);
  const contentType = headers.get('content-type') ?? '';
  const reqType = line.request_content_type ?? '';
  const reqLength = Number(line.request_headers['content-length'] ?? '0');
  const requestBody = reqType.startsWith('multipart/form-data')
    ? 'multipart'
    : reqLength === 0
      ? 'none'
      : reqType.includes('application/json')
        ? 'json'
        : 'other';
  let json: unknown;
  if (line.body !== null) {
    try {
      json = JSON.parse(line.body);
    } catch {
      json = Symbol.for('unparseable JSON');
    }
  }
  return { method: line.method, url: new URL(line.url), requestBody, status: line.status, headers, contentType, json, line };
}

function where(e: Logged) {
  return `${e.line.client}/${e.line.project} ${e.method} ${e.url.pathname}${e.url.search} -> ${e.status} (${e.line.test})`;
}

/** Runs pytest in the venv, its output streamed through to stderr. */
function runPytest(python: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; signal: string | null; timedOut: boolean }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(python, ['-m', 'pytest', ...args], { cwd: PYTHON_SUITE_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => process.stderr.write(d));
    child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, PYTEST_TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolveRun({ code, signal, timedOut });
    });
  });
}

function junitCounts(xml: string) {
  const suite = /<testsuite\b([^>]*)>/.exec(xml);
  assert.ok(suite, 'no <testsuite> in the junit report');
  const attr = (name: string) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(suite[1])?.[1] ?? NaN);
  return { tests: attr('tests'), failures: attr('failures'), errors: attr('errors'), skipped: attr('skipped') };
}

test('the official Python openai package (sync and async) against a real reelay', { timeout: 900_000 }, async (t) => {
  const python = await ensurePythonEnv();
  if (!python) {
    t.skip('python3 not found: the Python SDK suite is skipped');
    return;
  }

  const server = await startTestServer({ logLevel: 'error' }); // the failure paths would log at warn
  const scratch = tempDir('reelay-python-sdk-');
  t.after(async () => {
    await server.close();
    rmrf(scratch);
  });
  const otherKey = await server.otherKey();
  await server.server.store.setProjectLimits(LIMITED_PROJECT, { rateLimitRpm: LIMITED_RPM });
  const limitedKey = (await createKey(server.server.store, LIMITED_PROJECT, 'python-sdk')).secret;
  const retryKey = (await createKey(server.server.store, 'python-sdk-retries', 'python-sdk')).secret;
  const lossy = await startLossyProxy(server.url);
  t.after(() => lossy.close());
  const logPath = join(scratch, 'exchanges.jsonl');
  const junitPath = join(scratch, 'junit.xml');

  const started = Date.now();
  const ran = await runPytest(python, ['-v', '--junitxml', junitPath, '--basetemp', join(scratch, 'pytest-tmp'), '-p', 'no:cacheprovider'], {
    ...process.env,
    REELAY_BASE_URL: server.base,
    REELAY_API_KEY: server.key,
    REELAY_OTHER_KEY: otherKey,
    REELAY_LIMITED_KEY: limitedKey,
    REELAY_LIMITED_RPM: String(LIMITED_RPM),
    REELAY_EXCHANGE_LOG: logPath,
    REELAY_LOSSY_BASE_URL: `${lossy.url}/v1`,
    REELAY_RETRY_KEY: retryKey,
    PYTHONDONTWRITEBYTECODE: '1', // nothing written into the source tree
    PYTHONUNBUFFERED: '1',
  });
  process.stderr.write(`pytest finished in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

  await t.test('pytest passes, every test ran, none skipped', () => {
    assert.ok(!ran.timedOut, `pytest was killed after ${PYTEST_TIMEOUT_MS} ms`);
    assert.equal(ran.code, 0, `pytest exited ${ran.code ?? ran.signal} (its output is above)`);
    assert.ok(existsSync(junitPath), 'pytest wrote no junit report');
    const counts = junitCounts(readFileSync(junitPath, 'utf8'));
    assert.deepEqual({ failures: counts.failures, errors: counts.errors, skipped: counts.skipped }, { failures: 0, errors: 0, skipped: 0 });
    assert.ok(counts.tests >= 20, `only ${counts.tests} Python tests ran`);
  });

  await t.test("the retry test's first answer really was lost on the way (so the SDK retried)", () => {
    assert.equal(lossy.lost.size, 1, `answers cut by the proxy: ${lossy.lost.size}`);
  });

  const lines: LogLine[] = existsSync(logPath)
    ? readFileSync(logPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogLine)
    : [];
  const log = lines.map(toExchange);

  await t.test('the log holds every response, each with its JSON body', () => {
    assert.ok(log.length >= 100, `only ${log.length} responses logged`);
    for (const e of log) {
      assert.equal(e.url.origin, new URL(server.base).origin, where(e));
      assert.ok(typeof e.line.sent_at === 'number' && e.line.received_at >= e.line.sent_at, `${where(e)}: no send/receive times`);
      if (e.contentType.includes('application/json')) assert.notEqual(e.line.body, null, `${where(e)}: JSON answered but no body logged`);
      else assert.equal(e.line.body, null, where(e));
    }
  });

  await t.test('a broken answer built from the log is caught (the check below can fail)', () => {
    const video = log.find((e) => e.method === 'GET' && /^\/v1\/videos\/video_[^/]+$/.test(e.url.pathname) && e.status === 200);
    assert.ok(video, 'no retrieve logged');
    assert.deepEqual(problems(validator, video), []);
    const noId = { ...video, headers: new Headers([...video.headers].filter(([k]) => k !== 'x-request-id')) };
    assert.equal(problems(validator, noId).length, 1);
    const badStatus = { ...video, json: { ...(video.json as object), status: 'done' } };
    assert.ok(problems(validator, badStatus).length >= 1);
  });

  await t.test('every logged response follows the OpenAPI document and the contract headers', () => {
    const found = log.flatMap((e) => problems(validator, e).map((p) => `${p} [${e.line.client}/${e.line.project} ${e.line.test}]`));
    assert.deepEqual(found, []);
  });

  await t.test('every operation of the OpenAPI document answered 200 to the Python SDK', () => {
    const ops = SpecValidator.operations();
    assert.ok(ops.length >= 10, `only ${ops.length} operations in the document`);
    const missed = ops.filter((op) => !log.some((e) => e.method === op.method && op.pattern.test(e.url.pathname) && e.status === 200));
    assert.deepEqual(missed.map((op) => `${op.method} ${op.path}`), []);
    // The sync client alone reached all of them too.
    const missedSync = ops.filter((op) => !log.some((e) => e.line.client === 'sync' && e.method === op.method && op.pattern.test(e.url.pathname) && e.status === 200));
    assert.deepEqual(missedSync.map((op) => `${op.method} ${op.path}`), []);
  });

  await t.test('both the sync and the async client were used, as the SDK itself reports', () => {
    const ok = log.filter((e) => e.status === 200);
    const sync = ok.filter((e) => e.line.client === 'sync');
    const async = ok.filter((e) => e.line.client === 'async');
    assert.ok(sync.length >= 20, `${sync.length} sync answers`);
    assert.ok(async.length >= 10, `${async.length} async answers`);
    assert.ok(sync.every((e) => e.line.request_headers['x-stainless-async'] === 'false'));
    assert.ok(async.every((e) => e.line.request_headers['x-stainless-async'] === 'async:asyncio'));
    assert.ok(log.every((e) => e.line.request_headers['x-stainless-lang'] === 'python' && e.line.request_headers['x-stainless-package-version'] === '3.22.1'));
    // The async client covered creation, polling, downloads, remix, edit, extend, characters, list and delete.
    const ops = new Set(async.map((e) => `${e.method} ${e.url.pathname.replace(/(video|char)_[0-9a-f]{32}/g, '{id}').replace(/^\/v1\/models\/.+$/, '/v1/models/{id}')}`));
    for (const op of [
      'POST /v1/videos', 'GET /v1/videos/{id}', 'GET /v1/videos', 'GET /v1/videos/{id}/content', 'POST /v1/videos/{id}/remix',
      'POST /v1/videos/edits', 'POST /v1/videos/extensions', 'POST /v1/videos/characters', 'GET /v1/videos/characters/{id}',
      'DELETE /v1/videos/{id}', 'GET /v1/models', 'GET /v1/models/{id}',
    ]) assert.ok(ops.has(op), `the async client never got a 200 for ${op}`);
  });

  await t.test('per video, across every logged answer: progress never falls, status never goes back', () => {
    const rank = { queued: 0, in_progress: 1, completed: 2, failed: 2 } as Record<string, number>;
    const seen = new Map<string, { status: string; progress: number; at: string }>();
    let checked = 0;
    for (const e of log) {
      const bodies = e.status === 200 && e.json && typeof e.json === 'object' ? [e.json as Record<string, unknown>] : [];
      const videos = bodies.flatMap((b) => (b.object === 'video' ? [b] : b.object === 'list' && Array.isArray(b.data) ? (b.data as Record<string, unknown>[]).filter((d) => d.object === 'video') : []));
      for (const v of videos) {
        const status = String(v.status);
        const progress = Number(v.progress);
        assert.ok(status in rank, `${where(e)}: status ${status}`);
        assert.equal(progress === 100, status === 'completed', `${where(e)}: ${v.id} ${status} at progress ${progress}`);
        const before = seen.get(String(v.id));
        if (before) {
          assert.ok(progress >= before.progress, `${v.id}: progress ${before.progress} (${before.at}) then ${progress} (${where(e)})`);
          assert.ok(rank[status] >= rank[before.status] && !(rank[before.status] === 2 && status !== before.status), `${v.id}: ${before.status} then ${status} (${where(e)})`);
          checked++;
        }
        seen.set(String(v.id), { status, progress, at: where(e) });
      }
    }
    assert.ok(checked >= 30, `only ${checked} later answers about a video seen before`);
  });

  await t.test('every response has its own x-request-id', () => {
    const ids = log.map((e) => e.headers.get('x-request-id'));
    const dup = ids.filter((id, i) => id !== null && ids.indexOf(id) !== i);
    assert.deepEqual(dup, []);
  });

  await t.test('the typed errors came from real answers: 400, 401, 404 and 429 in the envelope', () => {
    for (const status of [400, 401, 404, 429]) assert.ok(log.some((e) => e.status === status), `no ${status} logged`);
    const limited = log.filter((e) => e.status === 429);
    assert.ok(limited.every((e) => e.line.project === 'limited' && Number(e.headers.get('retry-after')) >= 1 && Number(e.headers.get('retry-after-ms')) > 0));
    assert.ok(log.filter((e) => e.status === 401).every((e) => e.line.project === 'badkey'));
    // Another project's video: 404, never 403.
    assert.ok(log.some((e) => e.line.project === 'other' && e.status === 404 && /^\/v1\/videos\/video_/.test(e.url.pathname)));
    assert.ok(!log.some((e) => e.status === 403));
  });

  await t.test('the SDK retried a 429 no sooner than retry-after-ms, and the retry succeeded', () => {
    const pairs = log.flatMap((e, i) => {
      if (e.status !== 429 || e.line.project !== 'limited') return [];
      const next = log.slice(i + 1).find((n) => n.line.project === 'limited');
      return next && Number(next.line.request_headers['x-stainless-retry-count']) > Number(e.line.request_headers['x-stainless-retry-count']) ? [{ limited: e, retry: next }] : [];
    });
    assert.ok(pairs.length >= 1, 'no 429 was retried');
    assert.ok(pairs.some((p) => p.retry.status === 200), 'no retry after a 429 succeeded');
    for (const { limited, retry } of pairs) {
      const asked = Number(limited.headers.get('retry-after-ms')) / 1000;
      const waited = retry.line.sent_at! - limited.line.received_at;
      assert.ok(waited >= asked - 0.005, `retried ${waited.toFixed(3)} s after a 429 that asked for ${asked} s`);
    }
  });
});
