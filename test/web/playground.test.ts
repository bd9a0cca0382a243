// The playground page in a real headless Chromium (playwright-core + @sparticuz/chromium),
// against a real server: key, create, live progress, play, scrub, remix, delete, errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import sharp from 'sharp';
import { chromium as playwright, type Browser, type Page } from 'playwright-core';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';

let t: TestServer;
let browser: Browser;
let page: Page;
const requests: string[] = [];

before(async () => {
  t = await startTestServer();
  const chromium = (await import('@sparticuz/chromium')).default;
  browser = await playwright.launch({ executablePath: await chromium.executablePath(), args: chromium.args, headless: true });
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`${t.url}/`);
});
after(async () => {
  await browser?.close();
  await t?.close();
});

const card = (i: number) => page.locator('#grid .card').nth(i);

test('the key is asked for, kept in localStorage, and unlocks the form', async () => {
  assert.equal(await page.locator('#create-submit').isDisabled(), true);
  assert.match(await page.locator('#videos-note').innerText(), /Paste an API key/);
  await page.getByLabel('API key', { exact: true }).fill(t.key);
  await page.getByRole('button', { name: 'Use key' }).click();
  await page.locator('#model option[value="sora-2"]').waitFor({ state: 'attached' });
  assert.equal(await page.evaluate(() => localStorage.getItem('reelay.apiKey')), t.key);
  assert.equal(await page.locator('#create-submit').isDisabled(), false);
});

test('sizes follow the chosen model', async () => {
  const sizes = () => page.locator('#size option').allTextContents();
  assert.deepEqual(await sizes(), ['1280x720', '720x1280']);
  await page.getByLabel('Model', { exact: true }).selectOption('sora-2-pro');
  assert.ok((await sizes()).includes('1792x1024'));
  assert.equal(await page.locator('#size').inputValue(), '1280x720', 'a size valid for both models is kept');
  await page.getByLabel('Size', { exact: true }).selectOption('1792x1024');
  await page.getByLabel('Model', { exact: true }).selectOption('sora-2');
  assert.deepEqual(await sizes(), ['1280x720', '720x1280']);
  assert.equal(await page.locator('#size').inputValue(), '1280x720', "a Pro-only size falls back to the model's default");
});

test('create through the form, watch it progress live and complete, then play it', async () => {
  await page.getByLabel('Prompt', { exact: true }).fill('a hot air balloon over green hills at sunrise [reelay:slow=2]');
  await page.getByLabel('Seconds', { exact: true }).selectOption('4');
  await page.getByLabel('Size', { exact: true }).selectOption('1280x720');
  await page.getByRole('button', { name: 'Create video' }).click();
  await page.locator('#grid .card.in_progress').first().waitFor({ timeout: 30_000 });
  assert.ok(requests.some((u) => /\/v1\/videos\/video_[0-9a-f]{32}\/events$/.test(u)), 'follows the events stream');
  await card(0).locator('.status', { hasText: 'completed' }).waitFor({ timeout: 120_000 });
  assert.equal(await card(0).locator('progress').isVisible(), false);
  await page.waitForFunction(() => document.querySelector<HTMLImageElement>('#grid .card img')?.src.startsWith('blob:'));

  // Hovering scrubs the spritesheet: the frame follows the pointer across the thumbnail.
  const thumb = card(0).locator('.thumb');
  const box = (await thumb.boundingBox())!;
  await page.mouse.move(box.x + 2, box.y + box.height / 2);
  await page.waitForFunction(() => document.querySelector('#grid .thumb')?.classList.contains('scrubbing'));
  await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2);
  await page.waitForFunction(() => Number(document.querySelector<HTMLElement>('#grid .thumb')?.dataset.frame) === 24);
  assert.match(await card(0).locator('.scrub').evaluate((el) => getComputedStyle(el).backgroundImage), /blob:/);
  await page.mouse.move(0, 0);

  // Keyboard: focus the thumbnail and press Enter to open it.
  await thumb.focus();
  await page.keyboard.press('Enter');
  await page.locator('#viewer[open]').waitFor();
  await page.waitForFunction(() => (document.querySelector<HTMLVideoElement>('#player')?.readyState ?? 0) >= 1, undefined, { timeout: 30_000 });
  const duration = await page.locator('#player').evaluate((v: HTMLVideoElement) => v.duration);
  assert.ok(Math.abs(duration - 4) < 0.1, `the <video> reports ${duration} s`);
  assert.match((await page.locator('#download').getAttribute('href')) ?? '', /^blob:/);
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('#viewer[open]').count(), 0);
});

test('a failed video shows its error message', async () => {
  await page.getByLabel('Prompt', { exact: true }).fill('a thunderstorm over the sea [reelay:error]');
  await page.getByRole('button', { name: 'Create video' }).click();
  const failed = page.locator('#grid .card.failed');
  await failed.waitFor({ timeout: 60_000 });
  assert.match(await failed.locator('.error').innerText(), /^engine_error: .*\[reelay:error\]/);
  // Opened, it shows the error and offers only delete: nothing to play or download.
  await failed.locator('.thumb').click();
  await page.locator('#viewer[open]').waitFor();
  assert.match(await page.locator('#viewer-error').innerText(), /^engine_error: /);
  assert.equal(await page.locator('#player').isVisible(), false);
  assert.equal(await page.locator('#download').isVisible(), false);
  assert.equal(await page.getByRole('button', { name: 'Remix' }).isDisabled(), true);
  await page.getByRole('button', { name: 'Close' }).click();
});

test('remix from the viewer; the new video completes', async () => {
  const source = page.locator('#grid .card.completed').first();
  const sourceId = await source.getAttribute('data-id');
  await source.locator('.thumb').click();
  await page.locator('#viewer[open]').waitFor();
  await page.getByLabel('New prompt', { exact: true }).fill('the same balloon over snowy hills at dusk');
  await page.getByRole('button', { name: 'Remix' }).click();
  await page.locator('#viewer[open]').waitFor({ state: 'detached' });
  const remixId = await card(0).getAttribute('data-id');
  assert.notEqual(remixId, sourceId);
  await card(0).locator('.status', { hasText: 'completed' }).waitFor({ timeout: 120_000 });
  const remix = await t.client.videos.retrieve(remixId!);
  assert.equal(remix.remixed_from_video_id, sourceId);
  assert.equal(remix.prompt, 'the same balloon over snowy hills at dusk');
});

test('the screenshot in docs/ (UPDATE_SCREENSHOT=1 rewrites it)', async () => {
  // A video mid-render, and a reference image in the form with its fitted preview.
  await page.getByLabel('Prompt', { exact: true }).fill('a paper airplane over a city skyline at night');
  await page.getByLabel('Seconds', { exact: true }).selectOption('8');
  const cards = await page.locator('#grid .card').count();
  await page.getByRole('button', { name: 'Create video' }).click();
  await page.waitForFunction((n) => {
    const all = document.querySelectorAll('#grid .card');
    const first = all[0];
    return all.length > n && (first.classList.contains('completed') || (first.classList.contains('in_progress') && first.querySelector('progress')!.value >= 30));
  }, cards, { timeout: 120_000 });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="800">
    <defs><linearGradient id="s" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#1d3b8b"/><stop offset="1" stop-color="#f08a4b"/></linearGradient></defs>
    <rect width="800" height="800" fill="url(#s)"/><circle cx="400" cy="520" r="120" fill="#ffd166"/>
    <path d="M0 600 Q200 480 400 600 T800 580 V800 H0 Z" fill="#2d6a4f"/></svg>`;
  await page.getByLabel('Prompt', { exact: true }).fill('sunset over rolling hills, the camera slowly pans right');
  await page.getByLabel('Image file', { exact: true }).setInputFiles({ name: 'sunset.png', mimeType: 'image/png', buffer: await sharp(Buffer.from(svg)).png().toBuffer() });
  await page.getByLabel('When its size differs', { exact: true }).selectOption('pad');
  await page.locator('#preview:not([hidden])').waitFor();
  await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('#grid .card.completed img')].every((i) => i.complete && i.naturalWidth > 0));
  const png = await page.screenshot({ fullPage: true });
  assert.equal((await sharp(png).metadata()).format, 'png');
  const target = process.env.UPDATE_SCREENSHOT === '1' ? resolve(import.meta.dirname, '../../docs/playground.png') : resolve(tempDir('reelay-shot-'), 'playground.png');
  mkdirSync(resolve(target, '..'), { recursive: true });
  writeFileSync(target, png);
  await page.getByRole('button', { name: 'Remove image' }).click();
  await page.getByLabel('Prompt', { exact: true }).fill('');
  await page.getByLabel('Seconds', { exact: true }).selectOption('4');
});

test('a video deleted elsewhere leaves the grid', async () => {
  await page.getByLabel('Prompt', { exact: true }).fill('a slow one [reelay:slow=60]');
  await page.getByRole('button', { name: 'Create video' }).click();
  const slow = page.locator('#grid .card.in_progress', { hasText: 'a slow one' });
  await slow.waitFor({ timeout: 30_000 });
  const id = (await slow.getAttribute('data-id'))!;
  await t.client.videos.delete(id);
  await page.locator(`#grid .card[data-id="${id}"]`).waitFor({ state: 'detached', timeout: 10_000 });
});

test('delete from the viewer removes the card and the video', async () => {
  const before = await page.locator('#grid .card').count();
  const id = (await card(0).getAttribute('data-id'))!;
  await card(0).locator('.thumb').click();
  await page.getByRole('button', { name: 'Delete' }).click();
  await page.locator(`#grid .card[data-id="${id}"]`).waitFor({ state: 'detached' });
  assert.equal(await page.locator('#grid .card').count(), before - 1);
  const res = await fetch(`${t.base}/videos/${id}`, { headers: t.auth() });
  assert.equal(res.status, 404);
});

test('a mismatched reference with fit "reject" shows the preview warning and the server message', async () => {
  const png = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#3a7' } }).png().toBuffer();
  await page.getByLabel('Prompt', { exact: true }).fill('a meadow from this picture');
  await page.getByLabel('Size', { exact: true }).selectOption('1280x720');
  await page.getByLabel('Image file', { exact: true }).setInputFiles({ name: 'meadow.png', mimeType: 'image/png', buffer: png });
  await page.getByLabel('When its size differs', { exact: true }).selectOption('pad');
  await page.locator('#preview:not([hidden])').waitFor();
  assert.match(await page.locator('#preview-note').innerText(), /image 640x480, video 1280x720: scaled to fit with black bars/);
  // pad letterboxes: the canvas's left edge is black, its centre the image's colour
  const [edge, centre] = await page.locator('#preview-canvas').evaluate((c: HTMLCanvasElement) => {
    const ctx = c.getContext('2d')!;
    return [Array.from(ctx.getImageData(1, c.height / 2, 1, 1).data), Array.from(ctx.getImageData(c.width / 2, c.height / 2, 1, 1).data)];
  });
  assert.deepEqual(edge.slice(0, 3), [0, 0, 0]);
  assert.ok(centre[1] > 100, `centre pixel ${centre}`);

  await page.getByLabel('When its size differs', { exact: true }).selectOption('reject');
  assert.match(await page.locator('#preview-note').innerText(), /will refuse it/);
  const count = await page.locator('#grid .card').count();
  await page.getByRole('button', { name: 'Create video' }).click();
  await page.locator('#create-error:not(:empty)').waitFor();
  assert.equal(await page.locator('#create-error').innerText(), 'Inpaint image must match the requested width and height');
  assert.equal(await page.locator('#grid .card').count(), count, 'no video was added');
  await page.getByRole('button', { name: 'Remove image' }).click();
  assert.equal(await page.locator('#preview').isHidden(), true);
});

test('extend and edit from the viewer', async () => {
  const source = page.locator('#grid .card.completed').first();
  const sourceId = (await source.getAttribute('data-id'))!;
  await source.locator('.thumb').click();
  await page.getByLabel('New prompt', { exact: true }).fill('the balloon drifts higher');
  await page.getByLabel('Extend by', { exact: true }).selectOption('4');
  await page.getByRole('button', { name: 'Extend' }).click();
  await page.locator('#viewer[open]').waitFor({ state: 'detached' });
  const extId = (await card(0).getAttribute('data-id'))!;
  await card(0).locator('.status', { hasText: 'completed' }).waitFor({ timeout: 120_000 });
  const src = await t.client.videos.retrieve(sourceId);
  assert.equal((await t.client.videos.retrieve(extId)).seconds, String(Number(src.seconds) + 4), 'the stitched total');

  await page.locator(`#grid .card[data-id="${sourceId}"] .thumb`).click();
  await page.getByLabel('New prompt', { exact: true }).fill('the balloon in the rain');
  await page.getByRole('button', { name: 'Edit' }).click();
  await page.locator('#viewer[open]').waitFor({ state: 'detached' });
  const editId = (await card(0).getAttribute('data-id'))!;
  assert.notEqual(editId, extId);
  assert.equal((await t.client.videos.retrieve(editId)).prompt, 'the balloon in the rain');
});

test('without the events stream, the page falls back to polling', async () => {
  await page.waitForFunction(() => !document.querySelector('#grid .card.queued, #grid .card.in_progress'), undefined, { timeout: 120_000 });
  await page.route('**/events', (route) => route.fulfill({ status: 404, contentType: 'application/json', body: '{"error":{"message":"no","type":"invalid_request_error","param":null,"code":null}}' }));
  try {
    const polls: string[] = [];
    const onRequest = (r: { url(): string }) => {
      if (/\/v1\/videos\/video_[0-9a-f]{32}$/.test(r.url())) polls.push(r.url());
    };
    page.on('request', onRequest);
    await page.getByLabel('Prompt', { exact: true }).fill('a windmill in a field of tulips');
    await page.getByRole('button', { name: 'Create video' }).click();
    const windmill = page.locator('#grid .card', { hasText: 'a windmill' });
    await windmill.locator('.status', { hasText: 'completed' }).waitFor({ timeout: 120_000 });
    page.off('request', onRequest);
    const id = await windmill.getAttribute('data-id');
    assert.ok(polls.filter((u) => u.endsWith(id!)).length >= 2, `polled ${polls.length} times`);
    await page.waitForFunction(() => document.querySelector<HTMLImageElement>('#grid .card img')?.src.startsWith('blob:'));
    assert.match(await page.locator('#announce').innerText(), /^Video completed: a windmill/);
  } finally {
    await page.unroute('**/events');
  }
});

test('forgetting the key clears it from the browser', async () => {
  await page.getByRole('button', { name: 'Forget' }).click();
  assert.equal(await page.evaluate(() => localStorage.getItem('reelay.apiKey')), null);
  assert.equal(await page.locator('#grid .card').count(), 0);
});
