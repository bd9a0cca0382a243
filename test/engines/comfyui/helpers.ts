// Shared by the ComfyUI tests: the example workflows bound as models on fake servers.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import assert from 'node:assert/strict';
import type { FakeComfyUI } from './fake-comfyui.js';

const EXAMPLES = resolve(import.meta.dirname, '../../../examples/comfyui');
export const workflow = (name: string) => JSON.parse(readFileSync(resolve(EXAMPLES, name), 'utf8')) as Record<string, { class_type: string; inputs: Record<string, unknown> }>;

/** Wan 2.2 TI2V-5B text-to-video, small and short so the fake renders it in a blink. */
export function wanT2v(extra: Record<string, unknown> = {}) {
  return {
    workflow: workflow('wan22_ti2v_5b_t2v.json'),
    sizes: ['320x180', '180x320'],
    seconds: ['4', '8'],
    fps: 8,
    frameMultiple: 4,
    frameExtra: 1,
    sizeMultiple: 32,
    negativePrompt: 'blurry, low quality',
    bind: {
      prompt: '6.text', negativePrompt: '7.text', seed: '3.seed', width: '55.width', height: '55.height',
      frames: '55.length', fps: '57.fps', output: '58',
    },
    ...extra,
  };
}

export function wanI2v(extra: Record<string, unknown> = {}) {
  const base = wanT2v();
  return { ...base, workflow: workflow('wan22_ti2v_5b_i2v.json'), bind: { ...base.bind, image: '56.image' }, ...extra };
}

export function serverCfg(fake: FakeComfyUI, id = 'gpu', extra: Record<string, unknown> = {}) {
  return { id, baseUrl: fake.url, pollIntervalMs: 200, maxInFlight: 4, deleteInputPath: '/reelay/input/{subfolder}/{filename}', ...extra };
}

export async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`timed out waiting: ${what}`);
}
