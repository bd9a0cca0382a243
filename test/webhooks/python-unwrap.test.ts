// The official Python package verifies reelay's webhook deliveries: a real delivery (a completed
// and a failed video), captured by a local receiver, is handed to `client.webhooks.unwrap()` in the
// Python SDK's venv (test/helpers/python.ts); a tampered body must fail there too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { startTestServer, waitForVideo } from '../helpers/server.js';
import { ensurePythonEnv } from '../helpers/python.js';
import { createEndpoint } from '../../src/webhooks/index.js';
import { startReceiver, newProject } from './helpers.js';

const SCRIPT = `
import json, sys, openai
req = json.load(sys.stdin)
client = openai.OpenAI(api_key="unused")
try:
    event = client.webhooks.unwrap(req["body"], req["headers"], secret=req["secret"])
    print(json.dumps({"ok": True, "type": event.type, "id": event.id, "video": event.data.id}))
except openai.InvalidWebhookSignatureError as err:
    print(json.dumps({"ok": False, "error": str(err)}))
`;

function unwrapInPython(python: string, input: object): Promise<{ ok: boolean; type?: string; id?: string; video?: string; error?: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(python, ['-c', SCRIPT], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`python failed: ${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout.trim()));
    });
    child.stdin!.end(JSON.stringify(input));
  });
}

test('the Python SDK verifies video.completed and video.failed deliveries, and refuses a tampered one', { timeout: 300_000 }, async (t) => {
  const python = await ensurePythonEnv();
  if (!python) {
    t.skip('python3 not found: the Python webhook check is skipped');
    return;
  }
  const s = await startTestServer({ webhookAllowPrivate: true, webhookRetryBaseMs: 100, logLevel: 'error' });
  const rx = await startReceiver();
  t.after(async () => {
    await rx.close();
    await s.close();
  });
  const p = await newProject(s.server, s.base);
  const ep = await createEndpoint(s.server.store, { project: p.name, url: rx.url }, true);

  const ok = await waitForVideo(p.client, (await p.client.videos.create({ prompt: 'a lighthouse at dusk', seconds: '4' })).id);
  const bad = await waitForVideo(p.client, (await p.client.videos.create({ prompt: 'a lighthouse [reelay:error]', seconds: '4' })).id);
  assert.equal(ok.status, 'completed');
  assert.equal(bad.status, 'failed');
  const got = await rx.waitFor(2);

  const seen = new Map<string, string>();
  for (const r of got) {
    const out = await unwrapInPython(python, { body: r.body, headers: r.headers, secret: ep.secret });
    assert.equal(out.ok, true, out.error);
    assert.equal(out.id, r.headers['webhook-id']);
    seen.set(out.video!, out.type!);
  }
  assert.deepEqual(Object.fromEntries(seen), { [ok.id]: 'video.completed', [bad.id]: 'video.failed' });

  const tampered = await unwrapInPython(python, { body: got[0].body.replace(/video_[0-9a-f]{32}/, `video_${'0'.repeat(32)}`), headers: got[0].headers, secret: ep.secret });
  assert.equal(tampered.ok, false);
  assert.match(tampered.error ?? '', /signature/i);
});
