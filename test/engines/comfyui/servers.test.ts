// Several ComfyUI servers, one queue: the least-loaded server that has the model takes the job; a
// server that is down is skipped; a server without a WebSocket is followed by /history polling;
// the auth header goes with every request. And the config errors a bad binding gives at start.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, waitForVideo, type TestServer } from '../../helpers/server.js';
import { loadConfig } from '../../../src/config/index.js';
import { FakeComfyUI } from './fake-comfyui.js';
import { serverCfg, until, wanT2v, workflow } from './helpers.js';

let a: FakeComfyUI;
let b: FakeComfyUI;
let s: TestServer;

before(async () => {
  a = await new FakeComfyUI().start();
  b = await new FakeComfyUI().start();
  process.env.REELAY_TEST_COMFY_AUTH = 'Bearer comfy-secret';
  s = await startTestServer({
    comfyui: {
      servers: [
        serverCfg(a, 'a', { maxInFlight: 2, authHeaderEnv: 'REELAY_TEST_COMFY_AUTH' }),
        serverCfg(b, 'b', { maxInFlight: 2, websocket: false, pollIntervalMs: 150 }),
      ],
      models: { 'wan-t2v': wanT2v() },
    } as never,
  });
});
after(async () => {
  await s.close();
  await a.close();
  await b.close();
  delete process.env.REELAY_TEST_COMFY_AUTH;
});

const create = (prompt: string) => s.client.videos.create({ model: 'wan-t2v', size: '320x180', prompt } as never);

test('jobs spread over the least-loaded servers; the one without a WebSocket is polled; one prompt each', async () => {
  a.paused = b.paused = true;
  const before = a.prompts.length + b.prompts.length;
  const vids = await Promise.all(['one', 'two', 'three', 'four'].map((p) => create(`spread ${p}`)));
  await until(() => a.prompts.length + b.prompts.length === before + 4, 'all four submitted');
  assert.equal(a.state.pending.length + (a.state.running ? 1 : 0), 2, 'two on a');
  assert.equal(b.state.pending.length + (b.state.running ? 1 : 0), 2, 'two on b');
  a.paused = b.paused = false;
  for (const v of vids) assert.equal((await waitForVideo(s.client, v.id, 60_000)).status, 'completed');
  assert.equal(a.prompts.length + b.prompts.length, before + 4);
  assert.equal(b.wsConnections, 0, 'no socket to b');
  assert.ok(b.historyGets > 0, 'b was followed through /history');
  assert.ok(a.authHeaders.every((h) => h === 'Bearer comfy-secret'), 'the auth header from the environment');
  assert.ok(b.authHeaders.every((h) => h === undefined), 'no header where none is configured');
});

test('a server that is down is skipped: the job goes to the other one', async () => {
  await b.restart(0); // fresh, empty
  const port = a.port;
  await (a as unknown as { stop(): Promise<void> }).stop();
  try {
    const n = b.prompts.length;
    const vids = await Promise.all(['x', 'y', 'z'].map((p) => create(`failover ${p}`)));
    for (const v of vids) {
      const done = await waitForVideo(s.client, v.id, 60_000);
      assert.equal(done.status, 'completed', JSON.stringify(done.error));
    }
    assert.equal(b.prompts.length, n + 3, 'all three on b, none twice');
  } finally {
    await a.start(port);
  }
});

test('config: a binding naming a node or input the workflow lacks stops the start, naming them', () => {
  const cfg = (bind: Record<string, unknown>, wf: unknown = workflow('wan22_ti2v_5b_t2v.json')) => () =>
    loadConfig({ env: { REELAY_COMFYUI: JSON.stringify({ servers: [{ id: 'g', baseUrl: 'http://127.0.0.1:1' }], models: { m: { workflow: wf, bind: { prompt: '6.text', output: '58', ...bind } } } }) } });
  assert.throws(cfg({ seed: '99.seed' }), /comfyui\.models\.m: the binding does not fit the workflow: seed: node '99' is not in the workflow/);
  assert.throws(cfg({ width: '55.w', frames: '3.length' }), /width: node '55' \(Wan22ImageToVideoLatent\) has no input 'w'.*frames: node '3' \(KSampler\) has no input 'length'/);
  assert.throws(cfg({ output: '77' }), /output: node '77' is not in the workflow/);
  assert.throws(cfg({ prompt: '8.samples' }), /input 'samples' of node '8' \(VAEDecode\) is a link to another node/);
  assert.throws(cfg({ image: 'oops' }), /bind\.image must be "<node id>\.<input name>"/);
  assert.throws(cfg({}, { nodes: [], links: [] }), /UI format; save it with "Export \(API\)"/);
  assert.throws(cfg({}, 'examples/comfyui/nope.json'), /cannot read .*nope\.json/);
  assert.throws(
    () => loadConfig({ env: { REELAY_COMFYUI: JSON.stringify({ servers: [{ id: 'g', baseUrl: 'http://x:1' }], models: { m: { workflow: 'examples/comfyui/wan22_ti2v_5b_t2v.json', bind: { prompt: '6.text', output: '58' }, extendWith: 'm' } } }) } }),
    /extendWith: 'm' binds no image input/,
  );
  // The example files load from the repository root, as the README's config does.
  const ok = loadConfig({ env: { REELAY_COMFYUI: JSON.stringify({ servers: [{ id: 'g', baseUrl: 'http://x:8188' }], models: { m: { workflow: 'examples/comfyui/ltxv_t2v.json', bind: { prompt: '6.text', seed: '72.noise_seed', output: '79' } } } }) } });
  assert.equal(ok.comfyui.models.m.graph['72'].class_type, 'SamplerCustom');
});
