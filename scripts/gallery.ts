// npm run gallery: paints a fixed set of prompts with the local engine's painter and lays one
// frame of each (at 2.5 s, as in a 4 s clip; a storm at its first strike) into a contact sheet,
// docs/gallery.png.
//   node --import tsx scripts/gallery.ts [out.png] [--size 480x270]
import { createCanvas } from '@napi-rs/canvas';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseScene } from '../src/engines/local/scene.js';
import { makeLayout } from '../src/engines/local/layout.js';
import { Painter } from '../src/engines/local/painter.js';
import { gradeRect } from '../src/engines/local/grade.js';
import { hashSeed } from '../src/videos/seed.js';

export const GALLERY_PROMPTS = [
  'three red hot air balloons over snowy mountains at sunrise',
  'a paper airplane over a city skyline at night, slow pan left',
  'a sailboat and a lighthouse on the sea at sunset',
  'a whale and five fish in the ocean on a sunny day',
  'a thunderstorm with lightning over a dark forest',
  'a person walking a dog through a meadow with a kite, windy',
  'a rocket, a satellite and a planet in outer space',
  'a train crossing the desert at dusk, cinematic',
  'fireworks over the city at night, neon',
  'a house and trees in a snowfield while snow falls, zoom in',
  'butterflies and autumn leaves in a garden, watercolor',
  'a horse and a bicycle on a country road in fog, vintage film grain',
  'a drone and a paper airplane in an office room, pastel',
  'birds flying over the beach at dawn, noir',
  'two blue cars and a cat on a street in the rain',
  'quantum marmalade symphony of velvet echoes',
];

export async function renderGallery(out = 'docs/gallery.png', tileW = 480, tileH = 270, t = 2.5): Promise<void> {
  const cols = 4;
  const caption = 34;
  const rows = Math.ceil(GALLERY_PROMPTS.length / cols);
  const sheet = createCanvas(cols * tileW, rows * (tileH + caption));
  const s = sheet.getContext('2d');
  s.fillStyle = '#111';
  s.fillRect(0, 0, sheet.width, sheet.height);
  const tile = createCanvas(tileW, tileH);
  const ctx = tile.getContext('2d');
  GALLERY_PROMPTS.forEach((prompt, i) => {
    const scene = parseScene(prompt);
    const layout = makeLayout(scene, hashSeed(prompt));
    const painter = new Painter(ctx, scene, layout, tileW, tileH);
    // A storm is shown at its first lightning strike.
    painter.paint(scene.weather === 'storm' ? layout.lightning[0][0] + 0.03 : t);
    // The style's colour grade, which the engine applies while converting frames for the encoder.
    gradeRect(ctx, 0, 0, tileW, tileH, painter.grade);
    const x = (i % cols) * tileW;
    const y = Math.floor(i / cols) * (tileH + caption);
    s.drawImage(tile, x, y);
    s.fillStyle = '#e8e8e8';
    s.font = '13px sans-serif';
    const words = prompt.split(' ');
    let lineText = '';
    let line = 0;
    for (const w of words) {
      if (s.measureText(`${lineText} ${w}`).width > tileW - 12 && lineText) {
        s.fillText(lineText, x + 6, y + tileH + 14 + line * 15);
        lineText = w;
        line++;
      } else lineText = lineText ? `${lineText} ${w}` : w;
    }
    if (line < 2) s.fillText(lineText, x + 6, y + tileH + 14 + line * 15);
  });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, await sheet.encode('png'));
  console.log(`wrote ${out} (${GALLERY_PROMPTS.length} prompts)`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const sizeAt = args.indexOf('--size');
  const [w, h] = sizeAt >= 0 ? args[sizeAt + 1].split('x').map(Number) : [480, 270];
  const out = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--size') ?? 'docs/gallery.png';
  await renderGallery(out, w, h);
}
