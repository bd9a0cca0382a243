// The reelay playground: plain browser JavaScript, served as-is. It talks to /v1 with the key
// pasted by the user (kept in localStorage only) and follows running videos over the
// /v1/videos/{id}/events stream (fetch streaming, since EventSource cannot send headers),
// falling back to polling that honours openai-poll-after-ms.

const $ = (sel, root = document) => root.querySelector(sel);
const KEY_STORE = 'reelay.apiKey';
const SPRITE_COLS = 5; // the runner's spritesheet: a 5x5 grid of evenly spaced frames
const SPRITE_ROWS = 5;

const state = {
  key: localStorage.getItem(KEY_STORE) || '',
  models: [],
  cards: new Map(), // video id -> { video, el, watching, spriteUrl, thumbUrl }
  open: null, // the video shown in the viewer
  openUrl: null,
};

// ---- HTTP -------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function api(path, { method = 'GET', json, form, signal } = {}) {
  const headers = { authorization: `Bearer ${state.key}` };
  let body;
  if (json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (form) body = form;
  const res = await fetch(`/v1${path}`, { method, headers, body, signal });
  if (!res.ok) {
    let payload = null;
    try {
      payload = await res.json();
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, payload);
  }
  return res;
}
const apiJson = async (path, opts) => (await api(path, opts)).json();

async function blobUrl(id, variant) {
  const res = await api(`/videos/${id}/content?variant=${variant}`);
  return URL.createObjectURL(await res.blob());
}

// ---- the key ----------------------------------------------------------------------------

function setKey(key) {
  state.key = key;
  if (key) localStorage.setItem(KEY_STORE, key);
  else localStorage.removeItem(KEY_STORE);
  $('#key').value = key;
  start();
}

$('#key-form').addEventListener('submit', (e) => {
  e.preventDefault();
  setKey($('#key').value.trim());
});
$('#key-forget').addEventListener('click', () => setKey(''));

// ---- models, sizes and seconds ----------------------------------------------------------

function fillSelect(select, values, preferred) {
  const keep = select.value;
  select.replaceChildren(...values.map((v) => new Option(v, v)));
  select.value = values.includes(keep) ? keep : values.includes(preferred) ? preferred : values[0];
}

function currentModel() {
  return state.models.find((m) => m.id === $('#model').value);
}

function onModelChange() {
  const caps = currentModel()?.capabilities;
  fillSelect($('#size'), caps?.sizes ?? ['1280x720', '720x1280'], caps?.default_size);
  fillSelect($('#seconds'), caps?.seconds ?? ['4', '8', '12'], caps?.default_seconds);
  $('#reference').disabled = caps ? !caps.input_reference : false;
  drawPreview();
}

async function loadModels() {
  const list = await apiJson('/models');
  state.models = list.data;
  fillSelect($('#model'), state.models.map((m) => m.id), 'sora-2');
  onModelChange();
}
$('#model').addEventListener('change', onModelChange);
$('#size').addEventListener('change', drawPreview);

// ---- the reference image preview: the same fit the server applies --------------------

let refImage = null;

$('#reference').addEventListener('change', async () => {
  const file = $('#reference').files[0];
  refImage = null;
  if (file) {
    const img = new Image();
    img.src = URL.createObjectURL(file);
    try {
      await img.decode();
      refImage = img;
    } catch {
      $('#preview-note').textContent = 'This file is not an image the browser can read.';
    }
  }
  drawPreview();
});
$('#fit').addEventListener('change', drawPreview);
$('#reference-clear').addEventListener('click', () => {
  $('#reference').value = '';
  refImage = null;
  drawPreview();
});

function drawPreview() {
  const fig = $('#preview');
  fig.hidden = !refImage;
  if (!refImage) return;
  const [w, h] = $('#size').value.split('x').map(Number);
  const canvas = $('#preview-canvas');
  const scale = 320 / Math.max(w, h);
  canvas.width = Math.round(w * scale);
  canvas.height = Math.round(h * scale);
  const ctx = canvas.getContext('2d');
  const iw = refImage.naturalWidth;
  const ih = refImage.naturalHeight;
  const fit = $('#fit').value;
  const note = $('#preview-note');
  const matches = iw === w && ih === h;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  note.classList.toggle('warn', fit === 'reject' && !matches);
  if (fit === 'stretch' || matches) {
    ctx.drawImage(refImage, 0, 0, canvas.width, canvas.height);
  } else if (fit === 'crop') {
    const s = Math.max(canvas.width / iw, canvas.height / ih);
    ctx.drawImage(refImage, (canvas.width - iw * s) / 2, (canvas.height - ih * s) / 2, iw * s, ih * s);
  } else {
    // pad letterboxes on black; reject shows the image as it is, unfitted
    if (fit === 'pad') {
      ctx.fillStyle = '#000';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
    }
    const s = Math.min(canvas.width / iw, canvas.height / ih);
    ctx.drawImage(refImage, (canvas.width - iw * s) / 2, (canvas.height - ih * s) / 2, iw * s, ih * s);
  }
  const sizes = `image ${iw}x${ih}, video ${w}x${h}`;
  note.textContent = matches
    ? `${sizes}: sizes match, used as is.`
    : {
        crop: `${sizes}: scaled to cover and cropped at the centre.`,
        pad: `${sizes}: scaled to fit with black bars.`,
        stretch: `${sizes}: stretched to the video's size.`,
        reject: `${sizes}: the server will refuse it (fit "reject").`,
      }[fit];
}

// ---- create -----------------------------------------------------------------------------

$('#create-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const err = $('#create-error');
  err.textContent = '';
  const form = new FormData();
  const prompt = $('#prompt').value;
  form.set('prompt', prompt);
  form.set('model', $('#model').value);
  form.set('seconds', $('#seconds').value);
  form.set('size', $('#size').value);
  if ($('#seed').value !== '') form.set('seed', $('#seed').value);
  const file = $('#reference').files[0];
  if (file) {
    form.set('input_reference', file, file.name);
    form.set('input_reference_fit', $('#fit').value);
  }
  const button = $('#create-submit');
  button.disabled = true;
  try {
    const video = await apiJson('/videos', { method: 'POST', form });
    addCard(video, true);
    if ($('#prompt').value === prompt) $('#prompt').value = '';
  } catch (error) {
    err.textContent = error.message;
  } finally {
    button.disabled = false;
  }
});

// ---- the grid ---------------------------------------------------------------------------

async function loadVideos() {
  const note = $('#videos-note');
  const list = await apiJson('/videos?limit=100');
  for (const v of list.data) addCard(v, false);
  note.textContent = state.cards.size ? '' : 'No videos yet.';
}

function addCard(video, atTop) {
  let card = state.cards.get(video.id);
  if (!card) {
    const el = $('#card').content.firstElementChild.cloneNode(true);
    el.dataset.id = video.id;
    card = { video, el, watching: false, spriteUrl: null, thumbUrl: null };
    state.cards.set(video.id, card);
    const grid = $('#grid');
    if (atTop) grid.prepend(el);
    else grid.append(el);
    wireThumb(card);
    $('#videos-note').textContent = '';
  }
  updateCard(card, video);
  if (video.status === 'queued' || video.status === 'in_progress') watch(card);
  return card;
}

function updateCard(card, video) {
  const before = card.video.status;
  card.video = video;
  const { el } = card;
  el.className = `card ${video.status}`;
  const label = video.status === 'in_progress' ? `in progress ${video.progress}%` : video.status.replace('_', ' ');
  $('.status', el).textContent = label;
  const bar = $('progress', el);
  bar.value = video.progress;
  bar.setAttribute('aria-label', `Progress of ${video.id}`);
  $('.prompt', el).textContent = video.prompt ?? '';
  $('.error', el).textContent = video.error ? `${video.error.code}: ${video.error.message}` : '';
  $('.placeholder', el).textContent = video.status === 'failed' ? 'failed' : `${video.progress}%`;
  $('.thumb', el).setAttribute('aria-label', `Open video: ${video.prompt ?? video.id} (${label})`);
  if (video.status === 'completed' && (before !== 'completed' || !card.thumbUrl)) loadThumb(card);
  // Screen readers hear when a watched video finishes, not every percent.
  if (before !== video.status && (before === 'queued' || before === 'in_progress') && (video.status === 'completed' || video.status === 'failed')) {
    $('#announce').textContent = `Video ${video.status}: ${video.prompt ?? video.id}`;
  }
}

async function loadThumb(card) {
  try {
    card.thumbUrl = await blobUrl(card.video.id, 'thumbnail');
    $('img', card.el).src = card.thumbUrl;
  } catch {
    /* expired or gone: the placeholder stays */
  }
}

// Hover (or focus and arrow keys) scrubs through the spritesheet's frames.
function wireThumb(card) {
  const thumb = $('.thumb', card.el);
  const scrub = $('.scrub', card.el);
  let frame = 0;
  const show = async (index) => {
    if (card.video.status !== 'completed') return;
    if (!card.spriteUrl) {
      card.spriteUrl = 'loading';
      try {
        card.spriteUrl = await blobUrl(card.video.id, 'spritesheet');
        scrub.style.backgroundImage = `url("${card.spriteUrl}")`;
      } catch {
        card.spriteUrl = null;
        return;
      }
    }
    frame = Math.max(0, Math.min(SPRITE_COLS * SPRITE_ROWS - 1, index));
    const col = frame % SPRITE_COLS;
    const row = Math.floor(frame / SPRITE_COLS);
    scrub.style.backgroundPosition = `${(col / (SPRITE_COLS - 1)) * 100}% ${(row / (SPRITE_ROWS - 1)) * 100}%`;
    thumb.classList.add('scrubbing');
    thumb.dataset.frame = String(frame);
  };
  const hide = () => thumb.classList.remove('scrubbing');
  thumb.addEventListener('mousemove', (e) => {
    const r = thumb.getBoundingClientRect();
    show(Math.floor(((e.clientX - r.left) / r.width) * SPRITE_COLS * SPRITE_ROWS));
  });
  thumb.addEventListener('mouseleave', hide);
  thumb.addEventListener('blur', hide);
  thumb.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      e.preventDefault();
      show(thumb.classList.contains('scrubbing') ? frame + (e.key === 'ArrowRight' ? 1 : -1) : 0);
    }
  });
  thumb.addEventListener('click', () => openViewer(card));
}

// ---- live updates -----------------------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function watch(card) {
  if (card.watching) return;
  card.watching = true;
  try {
    const ended = await followEvents(card).catch(() => false);
    if (!ended) await poll(card);
  } catch (error) {
    if (error.status === 404) removeCard(card.video.id);
  } finally {
    card.watching = false;
  }
}

/** Reads the SSE stream; true once the final event arrived. */
async function followEvents(card) {
  const res = await api(`/videos/${card.video.id}/events`);
  if (!res.headers.get('content-type')?.startsWith('text/event-stream')) return false;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return false;
    buf += value.replace(/\r\n/g, '\n');
    let end;
    while ((end = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      let event = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data += line.slice(5).trim();
      }
      if (!data) continue;
      if (state.cards.get(card.video.id) !== card) {
        reader.cancel();
        return true; // removed from the page meanwhile
      }
      if (event === 'error') {
        reader.cancel();
        throw new ApiError(404, JSON.parse(data));
      }
      updateCard(card, JSON.parse(data));
      if (event === 'done') {
        reader.cancel();
        return true;
      }
    }
  }
}

async function poll(card) {
  while (state.cards.get(card.video.id) === card) {
    const res = await api(`/videos/${card.video.id}`);
    const video = await res.json();
    updateCard(card, video);
    if (video.status === 'completed' || video.status === 'failed') return;
    const hint = Number(res.headers.get('openai-poll-after-ms'));
    await sleep(hint > 0 ? Math.min(hint, 10000) : 1000);
  }
}

function removeCard(id) {
  const card = state.cards.get(id);
  if (!card) return;
  card.el.remove();
  for (const url of [card.thumbUrl, card.spriteUrl]) if (url && url !== 'loading') URL.revokeObjectURL(url);
  state.cards.delete(id);
  if (!state.cards.size) $('#videos-note').textContent = 'No videos yet.';
}

// ---- the viewer -------------------------------------------------------------------------

const viewer = $('#viewer');

async function openViewer(card) {
  const v = card.video;
  state.open = card;
  $('#viewer-title').textContent = v.status === 'completed' ? 'Video' : `Video (${v.status.replace('_', ' ')})`;
  $('#viewer-meta').textContent = `${v.id} · ${v.model} · ${v.size} · ${v.seconds} s${v.remixed_from_video_id ? ` · remix of ${v.remixed_from_video_id}` : ''}`;
  $('#viewer-prompt').textContent = v.prompt ?? '';
  $('#viewer-error').textContent = v.error ? `${v.error.code}: ${v.error.message}` : '';
  $('#derive-prompt').value = '';
  const player = $('#player');
  const download = $('#download');
  player.removeAttribute('src');
  download.removeAttribute('href');
  const ready = v.status === 'completed';
  player.hidden = !ready;
  download.hidden = !ready;
  for (const b of $('#derive-form').querySelectorAll('button')) b.disabled = !ready;
  viewer.showModal();
  if (!ready) return;
  try {
    state.openUrl = await blobUrl(v.id, 'video');
    if (state.open !== card) return;
    player.src = state.openUrl;
    download.href = state.openUrl;
    download.download = `${v.id}.mp4`;
  } catch (error) {
    $('#viewer-error').textContent = error.message;
  }
}

function closeViewer() {
  if (viewer.open) viewer.close();
}
viewer.addEventListener('close', () => {
  $('#player').removeAttribute('src');
  if (state.openUrl) URL.revokeObjectURL(state.openUrl);
  state.openUrl = null;
  state.open = null;
});
$('#viewer-close').addEventListener('click', closeViewer);

$('#delete').addEventListener('click', async () => {
  const card = state.open;
  if (!card) return;
  try {
    await api(`/videos/${card.video.id}`, { method: 'DELETE' });
    closeViewer();
    removeCard(card.video.id);
  } catch (error) {
    $('#viewer-error').textContent = error.message;
  }
});

$('#derive-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const card = state.open;
  if (!card) return;
  const op = e.submitter?.value ?? 'remix';
  const prompt = $('#derive-prompt').value;
  const id = card.video.id;
  const request = {
    remix: () => apiJson(`/videos/${id}/remix`, { method: 'POST', json: { prompt } }),
    edit: () => apiJson('/videos/edits', { method: 'POST', json: { prompt, video: { id } } }),
    extend: () => apiJson('/videos/extensions', { method: 'POST', json: { prompt, seconds: $('#extend-seconds').value, video: { id } } }),
  }[op];
  $('#viewer-error').textContent = '';
  try {
    const video = await request();
    closeViewer();
    addCard(video, true);
  } catch (error) {
    $('#viewer-error').textContent = error.message;
  }
});

// ---- start ------------------------------------------------------------------------------

async function start() {
  for (const id of [...state.cards.keys()]) removeCard(id);
  const note = $('#videos-note');
  const enabled = Boolean(state.key);
  $('#create-submit').disabled = !enabled;
  $('#refresh').disabled = !enabled;
  if (!enabled) {
    note.textContent = 'Paste an API key above to see and create videos.';
    return;
  }
  note.textContent = 'Loading…';
  try {
    await loadModels();
    await loadVideos();
  } catch (error) {
    note.textContent = error.message;
  }
}

$('#refresh').addEventListener('click', async () => {
  for (const id of [...state.cards.keys()]) removeCard(id);
  try {
    await loadVideos();
  } catch (error) {
    $('#videos-note').textContent = error.message;
  }
});

$('#key').value = state.key;
start();
