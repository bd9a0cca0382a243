// The engine paints frames on opaque canvases (opaque layers are then copied, not blended). That
// is only sound while every scene covers the whole frame: this holds it to the same pixels a
// default (transparent) canvas gets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createCanvas } from '@napi-rs/canvas';
import { Painter } from '../../../src/engines/local/painter.js';
import { makeLayout } from '../../../src/engines/local/layout.js';
import { parseScene } from '../../../src/engines/local/scene.js';
import { GALLERY_PROMPTS } from '../../../scripts/gallery.js';

function frames(prompt: string, opaque: boolean): string {
  const [W, H] = [320, 180];
  const scene = parseScene(prompt);
  const canvas = createCanvas(W, H);
  const ctx = canvas.getContext('2d', opaque ? { alpha: false } : undefined);
  const painter = new Painter(ctx, scene, makeLayout(scene, 11), W, H);
  const hash = createHash('sha256');
  for (const t of [0, 0.6, 1.3, 2.9]) {
    painter.paint(t);
    hash.update(canvas.data());
  }
  return hash.digest('hex');
}

test('an opaque frame canvas gets the same pixels as a transparent one, for every gallery prompt', () => {
  for (const prompt of GALLERY_PROMPTS) assert.equal(frames(prompt, true), frames(prompt, false), prompt);
});
