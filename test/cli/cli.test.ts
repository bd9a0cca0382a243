// The real CLI binary (node bin/reelay.js) against a real server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startTestServer, tempDir, rmrf, type TestServer } from '../helpers/server.js';
import { probeBuffer, imageInfo } from '../helpers/media.js';
import sharp from 'sharp';

const BIN = resolve(import.meta.dirname, '../../bin/reelay.js');
let t: TestServer;
let cwd: string;

before(async () => {
  t = await startTestServer();
  cwd = tempDir('reelay-cli-');
});
after(async () => {
  await t.close();
  rmrf(cwd);
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI asynchronously (the server lives in this process, so never spawnSync). */
function cli(args: string[], env: Record<string, string | undefined> = {}, command = process.execPath, argv = [BIN, ...args]): Promise<Run> {
  return new Promise((res, rej) => {
    const child = spawn(command, argv, {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, REELAY_BASE_URL: t.url, REELAY_API_KEY: t.key, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

test('create --wait -o writes a playable MP4 of the requested size', async () => {
  const r = await cli(['create', 'a paper airplane over a city at night', '--seconds', '4', '--size', '720x1280', '--wait', '-o', 'plane.mp4']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /video_[0-9a-f]{32}\s+completed/);
  assert.match(r.stdout, /saved: plane\.mp4/);
  const info = await probeBuffer(readFileSync(join(cwd, 'plane.mp4')));
  assert.equal(info.codec, 'h264');
  assert.equal(`${info.width}x${info.height}`, '720x1280');
  assert.ok(Math.abs(info.duration - 4) < 0.1, `duration ${info.duration}`);
  // Off a terminal, progress is plain lines on stderr: no escape codes, no carriage returns.
  assert.match(r.stderr, /in_progress \d+%/);
  assert.match(r.stderr, /completed 100%/);
  assert.doesNotMatch(r.stderr, /\x1b|\r/);
});

test('--json prints objects that parse: create, get, list, models, download, delete', async () => {
  const created = await cli(['create', 'a lighthouse in the fog', '--seconds', '4', '--json', '--wait']);
  assert.equal(created.code, 0, created.stderr);
  const video = JSON.parse(created.stdout);
  assert.equal(video.object, 'video');
  assert.equal(video.status, 'completed');

  const got = JSON.parse((await cli(['get', video.id, '--json'])).stdout);
  assert.equal(got.id, video.id);
  assert.equal(got.progress, 100);

  const list = JSON.parse((await cli(['list', '--json', '--limit', '1'])).stdout);
  assert.equal(list.object, 'list');
  assert.equal(list.data.length, 1);
  const all = JSON.parse((await cli(['list', '--all', '--limit', '1', '--json'])).stdout);
  assert.ok(all.data.length >= 2, 'follows the cursor past the first page');
  assert.ok(all.data.some((v: { id: string }) => v.id === video.id));

  const models = JSON.parse((await cli(['models', '--json'])).stdout);
  assert.ok(models.data.some((m: { id: string }) => m.id === 'sora-2'));

  const dl = await cli(['download', video.id, '--variant', 'thumbnail', '--json']);
  assert.equal(dl.code, 0, dl.stderr);
  const saved = JSON.parse(dl.stdout);
  assert.equal(saved.path, `${video.id}.webp`);
  assert.equal((await imageInfo(readFileSync(join(cwd, saved.path)))).format, 'webp');

  const del = JSON.parse((await cli(['delete', video.id, '--json'])).stdout);
  assert.deepEqual(del, { id: video.id, object: 'video.deleted', deleted: true });
});

test('a failed job exits 5 and prints the error', async () => {
  const r = await cli(['create', 'a storm [reelay:error]', '--seconds', '4', '--wait']);
  assert.equal(r.code, 5);
  assert.match(r.stderr, /failed: engine_error: .+/);
  const j = await cli(['create', 'a storm [reelay:moderation]', '--seconds', '4', '--wait', '--json']);
  assert.equal(j.code, 5);
  const v = JSON.parse(j.stdout);
  assert.equal(v.status, 'failed');
  assert.equal(v.error.code, 'moderation_blocked');
});

test('errors print the server message with distinct exit codes', async () => {
  const usage = await cli(['create', 'a cat', '--seconds', '5']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /Invalid value: '5'\. Supported values are: '4', '8', '12', '16', and '20'\./);

  const missingArg = await cli(['create']);
  assert.equal(missingArg.code, 2);
  assert.match(missingArg.stderr, /missing required argument 'prompt'/);

  const notFound = await cli(['get', `video_${'0'.repeat(32)}`]);
  assert.equal(notFound.code, 3);
  assert.match(notFound.stderr, /No video found/);

  const auth = await cli(['list'], { REELAY_API_KEY: 'sk-reelay-wrong-key-000000' });
  assert.equal(auth.code, 4);
  assert.match(auth.stderr, /Incorrect API key provided/);

  const jsonErr = await cli(['get', `video_${'0'.repeat(32)}`, '--json']);
  assert.equal(JSON.parse(jsonErr.stdout).error.code, 'not_found');

  const down = await cli(['list'], { REELAY_BASE_URL: 'http://127.0.0.1:9/v1' });
  assert.equal(down.code, 1);
  assert.match(down.stderr, /could not reach/);
});

test('OPENAI_BASE_URL and OPENAI_API_KEY are honoured; --base-url and --api-key win', async () => {
  const viaOpenAi = await cli(['models'], { REELAY_BASE_URL: undefined, REELAY_API_KEY: undefined, OPENAI_BASE_URL: t.base, OPENAI_API_KEY: t.key });
  assert.equal(viaOpenAi.code, 0, viaOpenAi.stderr);
  assert.match(viaOpenAi.stdout, /sora-2-pro/);
  const flags = await cli(['models', '--base-url', t.url, '--api-key', t.key], { REELAY_BASE_URL: 'http://127.0.0.1:9/v1', REELAY_API_KEY: 'nope' });
  assert.equal(flags.code, 0, flags.stderr);
});

test('every command has --help with an example', async () => {
  for (const cmd of [['create'], ['get'], ['list'], ['download'], ['remix'], ['edit'], ['extend'], ['delete'], ['characters', 'create'], ['characters', 'get'], ['models'], ['doctor']]) {
    const r = await cli([...cmd, '--help']);
    assert.equal(r.code, 0, cmd.join(' '));
    assert.match(r.stdout, /Example:\n {2}reelay /, cmd.join(' '));
  }
});

test('remix, extend and edit through the CLI', async () => {
  const src = JSON.parse((await cli(['create', 'a red kite over a meadow', '--seconds', '4', '--wait', '--json'])).stdout);
  const remix = await cli(['remix', src.id, 'a blue kite over a meadow', '--wait', '--json']);
  assert.equal(remix.code, 0, remix.stderr);
  assert.equal(JSON.parse(remix.stdout).remixed_from_video_id, src.id);
  const ext = await cli(['extend', src.id, 'the kite climbs', '--seconds', '4', '--wait', '-o', 'ext.mp4']);
  assert.equal(ext.code, 0, ext.stderr);
  const info = await probeBuffer(readFileSync(join(cwd, 'ext.mp4')));
  assert.ok(Math.abs(info.duration - 8) < 0.2, `extension is the stitched total, got ${info.duration}`);
  const edit = await cli(['edit', src.id, 'the same kite in snow', '--json']);
  assert.equal(edit.code, 0, edit.stderr);
  assert.equal(JSON.parse(edit.stdout).status, 'queued');
});

test('--input-reference takes a file or a URL; a mismatch with --fit reject exits 2 with the message', async () => {
  writeFileSync(join(cwd, 'small.png'), await sharp({ create: { width: 640, height: 480, channels: 3, background: '#48c' } }).png().toBuffer());
  const rejected = await cli(['create', 'from a picture', '--input-reference', 'small.png', '--fit', 'reject']);
  assert.equal(rejected.code, 2);
  assert.match(rejected.stderr, /Inpaint image must match the requested width and height/);
  const padded = await cli(['create', 'from a picture', '--input-reference', 'small.png', '--fit', 'pad', '--json']);
  assert.equal(padded.code, 0, padded.stderr);
  assert.equal(JSON.parse(padded.stdout).status, 'queued');
  const png = await sharp({ create: { width: 1280, height: 720, channels: 3, background: '#c84' } }).png().toBuffer();
  const viaUrl = await cli(['create', 'from a data URL', '-i', `data:image/png;base64,${png.toString('base64')}`, '--json']);
  assert.equal(viaUrl.code, 0, viaUrl.stderr);
  const badFit = await cli(['create', 'x', '--fit', 'squash']);
  assert.equal(badFit.code, 2);
  assert.match(badFit.stderr, /Allowed choices are crop, pad, stretch, reject/);
});

test('characters create and get; download to stdout', async () => {
  const made = await cli(['create', 'a small orange cat on a sofa', '--seconds', '4', '--wait', '-o', 'cat.mp4']);
  assert.equal(made.code, 0, made.stderr);
  const created = await cli(['characters', 'create', '--name', 'Mochi', 'cat.mp4', '--json']);
  assert.equal(created.code, 0, created.stderr);
  const c = JSON.parse(created.stdout);
  assert.match(c.id, /^char_[0-9a-f]{32}$/);
  assert.equal(c.name, 'Mochi');
  const got = await cli(['characters', 'get', c.id]);
  assert.equal(got.code, 0, got.stderr);
  assert.match(got.stdout, new RegExp(`^${c.id}\\s+Mochi`));
  const missing = await cli(['characters', 'create', '--name', 'Ghost', 'no-such-file.mp4']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read no-such-file\.mp4/);

  const id = /(video_[0-9a-f]{32})/.exec(made.stdout)![1];
  const piped = await new Promise<Buffer>((res, rej) => {
    const child = spawn(process.execPath, [BIN, 'download', id, '-o', '-'], { cwd, env: { PATH: process.env.PATH, REELAY_BASE_URL: t.url, REELAY_API_KEY: t.key } });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.on('error', rej);
    child.on('close', () => res(Buffer.concat(chunks)));
  });
  assert.deepEqual(piped, readFileSync(join(cwd, 'cat.mp4')), 'the same bytes as the -o download');
});

test('the client commands do not load the server stack', async () => {
  // A module hook that refuses SQLite: client commands must still run; `keys` (local) must not.
  writeFileSync(join(cwd, 'block.mjs'), "export async function resolve(s, c, next) { if (s === 'better-sqlite3') throw new Error('server stack loaded'); return next(s, c); }\n");
  writeFileSync(join(cwd, 'register.mjs'), "import { register } from 'node:module'; register('./block.mjs', import.meta.url);\n");
  const client = await cli([], {}, process.execPath, ['--import', './register.mjs', BIN, 'models']);
  assert.equal(client.code, 0, client.stderr);
  assert.match(client.stdout, /sora-2/);
  const local = await cli([], {}, process.execPath, ['--import', './register.mjs', BIN, 'keys', 'list']);
  assert.notEqual(local.code, 0);
  assert.match(local.stderr, /server stack loaded/);
});

test('doctor names ffmpeg, the store and the engines, and reaches the server', async () => {
  const r = await cli(['doctor', '--json'], { REELAY_DATA_DIR: t.cfg.dataDir });
  assert.equal(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  assert.match(d.ffmpeg.path, /ffmpeg/);
  assert.match(d.ffmpeg.detail, /ffmpeg version/);
  assert.equal(d.store.kind, 'sqlite');
  assert.equal(d.store.path, join(t.cfg.dataDir, 'reelay.db'));
  assert.ok(d.engines.some((e: { id: string; models: string[] }) => e.id === 'local' && e.models.includes('sora-2')));
  assert.equal(d.server.ok, true);
});

test('doctor checks each configured upstream (a fake one over HTTP, and one that is down)', async () => {
  const seen: string[] = [];
  const fake = createServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
    const ok = req.headers.authorization === 'Bearer up-secret';
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(JSON.stringify(ok ? { object: 'list', data: [] } : { error: { message: 'bad key' } }));
  });
  await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
  const down = createServer();
  await new Promise<void>((r) => down.listen(0, '127.0.0.1', r));
  const downPort = (down.address() as AddressInfo).port;
  await new Promise((r) => down.close(r));
  try {
    const config = {
      dataDir: t.cfg.dataDir,
      upstreams: [
        { id: 'gpu', baseUrl: `http://127.0.0.1:${(fake.address() as AddressInfo).port}/v1`, apiKeyEnv: 'UP_KEY', models: { 'wan-2.1': {} } },
        { id: 'gone', baseUrl: `http://127.0.0.1:${downPort}/v1`, models: { 'ltx-video': {} } },
      ],
    };
    writeFileSync(join(cwd, 'doctor.json'), JSON.stringify(config));
    const r = await cli(['doctor', '-c', 'doctor.json', '--json'], { UP_KEY: 'up-secret' });
    assert.equal(r.code, 1, 'one upstream is down');
    const d = JSON.parse(r.stdout);
    assert.equal(d.ok, false);
    assert.deepEqual(d.upstreams.map((u: { id: string; ok: boolean }) => [u.id, u.ok]), [['gpu', true], ['gone', false]]);
    assert.match(d.upstreams[1].detail, /unreachable: ECONNREFUSED/);
    assert.ok(d.engines.some((e: { id: string; models: string[] }) => e.id === 'upstream:gpu' && e.models.includes('wan-2.1')));
    assert.deepEqual(seen, ['GET /v1/models Bearer up-secret'], "the upstream's key comes from its apiKeyEnv");

    const wrongKey = JSON.parse((await cli(['doctor', '-c', 'doctor.json', '--json'], { UP_KEY: 'nope' })).stdout);
    assert.match(wrongKey.upstreams[0].detail, /401 \(key refused\)/);
    const text = await cli(['doctor', '-c', 'doctor.json'], { UP_KEY: 'up-secret' });
    assert.match(text.stdout, /ok {3}upstream {2}gpu /);
    assert.match(text.stdout, /FAIL upstream {2}gone /);
  } finally {
    fake.close();
  }
});

test('works against another /v1/videos server: no events stream, so --wait polls', async () => {
  // A minimal compatible server (as other gateways are): no /events, openai-poll-after-ms set.
  const mp4 = readFileSync(join(cwd, 'plane.mp4'));
  const log: string[] = [];
  let polls = 0;
  const video = (status: string, progress: number) => ({
    id: 'video_abc', object: 'video', model: 'sora-2', status, progress, created_at: 1, completed_at: null, expires_at: null,
    prompt: 'elsewhere', size: '720x1280', seconds: '4', remixed_from_video_id: null, error: null,
  });
  const other = createServer((req, res) => {
    log.push(`${req.method} ${req.url}`);
    const json = (code: number, body: unknown, headers: Record<string, string> = {}) =>
      res.writeHead(code, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    if (req.headers.authorization !== 'Bearer other-key') return json(401, { error: { message: 'Incorrect API key provided: oth…-key.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
    if (req.method === 'POST' && req.url === '/api/v1/videos') return json(200, video('queued', 0));
    if (req.url === '/api/v1/videos/video_abc') {
      polls++;
      return polls < 3 ? json(200, video('in_progress', polls * 30), { 'openai-poll-after-ms': '100' }) : json(200, video('completed', 100));
    }
    if (req.url === '/api/v1/videos/video_abc/content?variant=video') return res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(mp4.length) }).end(mp4);
    json(404, { error: { message: `Unknown request URL: ${req.method} ${req.url}.`, type: 'invalid_request_error', param: null, code: 'unknown_url' } });
  });
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
  try {
    const base = `http://127.0.0.1:${(other.address() as AddressInfo).port}/api/v1`;
    const r = await cli(['create', 'elsewhere', '--wait', '-o', 'elsewhere.mp4'], { REELAY_BASE_URL: undefined, REELAY_API_KEY: undefined, OPENAI_BASE_URL: base, OPENAI_API_KEY: 'other-key' });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(log.includes('GET /api/v1/videos/video_abc/events'), 'tried the events stream first');
    assert.equal(polls, 3, log.join('\n'));
    assert.match(r.stderr, /in_progress 30%/);
    assert.deepEqual(readFileSync(join(cwd, 'elsewhere.mp4')), mp4);
  } finally {
    other.close();
  }
});

test('on a terminal, --wait draws a progress bar', async () => {
  const args = [BIN, 'create', 'a sailboat on a calm lake', '--seconds', '4', '--wait'];
  // util-linux `script` gives the CLI a pty; python3's pty module where it is missing.
  const r = has('script')
    ? await cli([], {}, 'script', ['-qfec', [process.execPath, ...args].map((a) => `'${a}'`).join(' '), '/dev/null'])
    : await cli([], {}, 'python3', ['-c', 'import pty,sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)', process.execPath, ...args]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  // cli-progress redraws one line: a bar, the percentage, elapsed time and the status.
  assert.match(r.stdout, /[=-]{30} \d+% \| \d+s \| (queued|in_progress)/);
  assert.match(r.stdout, /={30} 100% \| \d+s \| completed/);
  assert.match(r.stdout, /\x1b\[/, 'terminal control sequences');
});

function has(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
}
