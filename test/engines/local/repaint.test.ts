// A frame is a function of the scene and its time alone: painting it after other frames gives the
// same pixels as painting it first. Extensions rely on this (a new painter picks up where a clip
// stopped), and so does every check that renders one moment on its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createCanvas } from '@napi-rs/canvas';
import { Painter } from '../../../src/engines/local/painter.js';
import { makeLayout } from '../../../src/engines/local/layout.js';
import { parseScene } from '../../../src/engines/local/scene.js';
import { GALLERY_PROMPTS } from '../../../scripts/gallery.js';

const [W, H] = [320, 180];

function painterFor(prompt: string) {
  const scene = parseScene(prompt);
  const canvas = createCanvas(W, H);
  const painter = new Painter(canvas.getContext('2d', { alpha: false }), scene, makeLayout(scene, 5), W, H);
  return (t: number) => {
    painter.paint(t);
    return createHash('sha256').update(canvas.data()).digest('hex');
  };
}

test('a moment painted after other frames is the same picture as painted first, for every gallery prompt', () => {
  const times = [0, 1 / 24, 1.5, 2.75];
  for (const prompt of GALLERY_PROMPTS) {
    const sequence = painterFor(prompt);
    const inOrder = times.map((t) => sequence(t));
    // Each moment again, each by a painter that has painted nothing before it.
    const fresh = times.map((t) => painterFor(prompt)(t));
    assert.deepEqual(inOrder, fresh, prompt);
    // And the first moment once more, after the others, by the painter that made them.
    assert.equal(sequence(0), inOrder[0], prompt);
  }
});
