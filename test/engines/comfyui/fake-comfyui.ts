// A scripted ComfyUI at the HTTP and WebSocket level. It validates a submitted graph the way
// ComfyUI does (unknown classes, links to nodes that are not there, missing required inputs,
// images that were never uploaded), queues prompts and runs them one at a time, sending progress,
// executing and execution_* events only to the submitting client id, and keeps a history whose
// outputs name files served by /view (rendered with ffmpeg at the graph's size and length).
// Tests script failures, restarts and dropped sockets, and count every request.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import sharp from 'sharp';
import { run, tools } from '../../../src/media/index.js';
import { tempDir } from '../../helpers/server.js';

type Graph = Record<string, { class_type: string; inputs: Record<string, unknown> }>;

/** Required inputs per class (as /object_info would list them), and which classes are outputs or samplers. */
const CLASSES: Record<string, { required: string[]; output?: boolean; sampler?: boolean }> = {
  KSampler: { required: ['seed', 'steps', 'cfg', 'sampler_name', 'scheduler', 'denoise', 'model', 'positive', 'negative', 'latent_image'], sampler: true },
  KSamplerAdvanced: { required: ['add_noise', 'noise_seed', 'steps', 'cfg', 'sampler_name', 'scheduler', 'model', 'positive', 'negative', 'latent_image', 'start_at_step', 'end_at_step', 'return_with_leftover_noise'], sampler: true },
  SamplerCustom: { required: ['add_noise', 'noise_seed', 'cfg', 'model', 'positive', 'negative', 'sampler', 'sigmas', 'latent_image'], sampler: true },
  KSamplerSelect: { required: ['sampler_name'] },
  CLIPTextEncode: { required: ['text', 'clip'] },
  VAEDecode: { required: ['samples', 'vae'] },
  VAEDecodeTiled: { required: ['samples', 'vae', 'tile_size'] },
  UNETLoader: { required: ['unet_name', 'weight_dtype'] },
  CLIPLoader: { required: ['clip_name', 'type'] },
  VAELoader: { required: ['vae_name'] },
  CheckpointLoaderSimple: { required: ['ckpt_name'] },
  ModelSamplingSD3: { required: ['shift', 'model'] },
  Wan22ImageToVideoLatent: { required: ['vae', 'width', 'height', 'length', 'batch_size'] },
  WanImageToVideo: { required: ['positive', 'negative', 'vae', 'width', 'height', 'length', 'batch_size'] },
  LTXVConditioning: { required: ['positive', 'negative', 'frame_rate'] },
  EmptyLTXVLatentVideo: { required: ['width', 'height', 'length', 'batch_size'] },
  LTXVImgToVideo: { required: ['positive', 'negative', 'vae', 'image', 'width', 'height', 'length', 'batch_size', 'strength'] },
  LTXVScheduler: { required: ['steps', 'max_shift', 'base_shift', 'stretch', 'terminal'] },
  LoadImage: { required: ['image'] },
  CreateVideo: { required: ['images', 'fps'] },
  SaveVideo: { required: ['video', 'filename_prefix', 'format', 'codec'], output: true },
  SaveImage: { required: ['images', 'filename_prefix'], output: true },
  SaveAnimatedWEBP: { required: ['images', 'filename_prefix', 'fps', 'lossless', 'quality', 'method'], output: true },
  VHS_VideoCombine: { required: ['images', 'frame_rate', 'loop_count', 'filename_prefix', 'format', 'pingpong', 'save_output'], output: true },
};

export type OutputFormat = 'mp4' | 'webm' | 'webp' | 'frames';

export interface PromptRecord {
  promptId: string;
  clientId: string;
  graph: Graph;
  number: number;
}

interface Task extends PromptRecord {
  interrupted: boolean;
}

const isLink = (v: unknown): v is [string, number] => Array.isArray(v) && v.length === 2 && typeof v[0] === 'string';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function topo(graph: Graph): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (id: string) => {
    if (seen.has(id) || !graph[id]) return;
    seen.add(id);
    for (const v of Object.values(graph[id].inputs)) if (isLink(v)) visit(v[0]);
    out.push(id);
  };
  for (const id of Object.keys(graph).sort((a, b) => Number(a) - Number(b))) visit(id);
  return out;
}

/** The graph's video parameters, wherever its latent and video nodes keep them. */
function videoParams(graph: Graph) {
  let width = 320, height = 192, frames = 9, fps = 24;
  for (const n of Object.values(graph)) {
    if (typeof n.inputs.width === 'number' && typeof n.inputs.height === 'number' && n.class_type !== 'LoadImage') {
      width = n.inputs.width;
      height = n.inputs.height;
      if (typeof n.inputs.length === 'number') frames = n.inputs.length;
    }
    if (n.class_type === 'CreateVideo' && typeof n.inputs.fps === 'number') fps = n.inputs.fps;
    if (n.class_type === 'VHS_VideoCombine' && typeof n.inputs.frame_rate === 'number') fps = n.inputs.frame_rate;
  }
  return { width, height, frames, fps };
}

export class FakeComfyUI {
  url = '';
  port = 0;
  readonly dir = tempDir('reelay-fake-comfy-');
  readonly outputDir = join(this.dir, 'output');
  readonly inputDir = join(this.dir, 'input');
  /** Every /prompt request that passed validation, in order (what "queued" means). */
  prompts: PromptRecord[] = [];
  /** Every /prompt request, valid or not. */
  submits = 0;
  interrupts: (string | null)[] = [];
  queueDeletes: string[] = [];
  uploads: string[] = [];
  inputDeletes: string[] = [];
  views = 0;
  historyGets = 0;
  queueGets = 0;
  wsConnections = 0;
  authHeaders: (string | undefined)[] = [];
  /** Script: how outputs are saved; the sampler's steps and time per step; a node that fails. */
  format: OutputFormat = 'mp4';
  steps: number | null = 4;
  stepMs = 20;
  failAt: { node: string; type: string; message: string } | null = null;
  /** While true, running prompts do not advance (a long job). */
  paused = false;
  /** Refuse WebSocket upgrades (reelay must poll). */
  websocket = true;
  /** Answer /prompt with this (status, body) instead, or drop the connection after queueing ('drop'). */
  onPrompt: ((n: number, body: Record<string, unknown>) => 'drop' | 'hang' | 'drop-before' | [number, unknown] | void) | null = null;
  /** Called when a prompt finishes successfully, with its id (the bench's clock). */
  onSuccess: ((promptId: string) => void) | null = null;
  private history = new Map<string, Record<string, unknown>>();
  private pending: Task[] = [];
  private running: Task | null = null;
  private number = 0;
  private server!: http.Server;
  private wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Set<Socket>();
  private readonly clients = new Map<string, Set<WebSocket>>();
  private wake: (() => void) | null = null;
  private generation = 0;
  private readonly rendered = new Map<string, string>();

  async start(port = 0): Promise<this> {
    mkdirSync(this.outputDir, { recursive: true });
    mkdirSync(this.inputDir, { recursive: true });
    this.server = http.createServer((req, res) => void this.handle(req, res).catch((err) => {
      res.statusCode = 500;
      res.end(String(err));
    }));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (!this.websocket || url.pathname !== '/ws') {
        socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        const id = url.searchParams.get('clientId') || randomUUID();
        this.wsConnections++;
        let set = this.clients.get(id);
        if (!set) this.clients.set(id, (set = new Set()));
        set.add(ws);
        ws.on('close', () => set!.delete(ws));
        ws.send(JSON.stringify({ type: 'status', data: { status: { exec_info: { queue_remaining: this.queueRemaining } }, sid: id } }));
      });
    });
    await new Promise<void>((r) => this.server.listen(port, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}`;
    void this.worker(this.generation);
    return this;
  }

  get queueRemaining(): number {
    return this.pending.length + (this.running ? 1 : 0);
  }

  /** Prompt ids per state, for assertions. */
  get state() {
    return { running: this.running?.promptId ?? null, pending: this.pending.map((t) => t.promptId), history: [...this.history.keys()] };
  }

  /** Drops every WebSocket (reelay must reconnect, and poll meanwhile). */
  dropSockets(): void {
    for (const set of this.clients.values()) for (const ws of set) ws.terminate();
  }

  /** A restart of the ComfyUI process: the queue, the running prompt and the history are gone; same port. */
  async restart(downMs = 200): Promise<void> {
    await this.stop();
    this.history.clear();
    this.pending = [];
    if (this.running) this.running.interrupted = true;
    this.running = null;
    await sleep(downMs);
    await this.start(this.port);
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async stop() {
    this.generation++;
    this.wake?.();
    for (const set of this.clients.values()) for (const ws of set) ws.terminate();
    this.clients.clear();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private send(clientId: string, type: string, data: Record<string, unknown>) {
    const msg = JSON.stringify({ type, data });
    for (const ws of this.clients.get(clientId) ?? []) ws.send(msg);
  }

  private broadcastStatus() {
    const msg = JSON.stringify({ type: 'status', data: { status: { exec_info: { queue_remaining: this.queueRemaining } } } });
    for (const set of this.clients.values()) for (const ws of set) ws.send(msg);
  }

  private json(res: ServerResponse, status: number, body: unknown) {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  /** ComfyUI's validation, in its answer's shape; null when the graph is valid. */
  validate(graph: unknown): Record<string, unknown> | null {
    if (typeof graph !== 'object' || graph === null) return { error: { type: 'invalid_prompt', message: 'Cannot execute because the prompt is not an object.', details: '', extra_info: {} }, node_errors: {} };
    const g = graph as Graph;
    for (const [id, n] of Object.entries(g)) {
      if (!n || typeof n.class_type !== 'string' || !CLASSES[n.class_type]) {
        return { error: { type: 'invalid_prompt', message: `Cannot execute because node ${n?.class_type ?? '(none)'} does not exist.`, details: `Node ID '#${id}'`, extra_info: {} }, node_errors: {} };
      }
    }
    const outputs = Object.keys(g).filter((id) => CLASSES[g[id].class_type].output);
    if (!outputs.length) return { error: { type: 'prompt_no_outputs', message: 'Prompt has no outputs', details: '', extra_info: {} }, node_errors: {} };
    const nodeErrors: Record<string, unknown> = {};
    for (const [id, n] of Object.entries(g)) {
      const errors: Record<string, unknown>[] = [];
      for (const name of CLASSES[n.class_type].required) {
        const v = n.inputs?.[name];
        if (v === undefined) {
          errors.push({ type: 'required_input_missing', message: 'Required input is missing', details: name, extra_info: { input_name: name } });
        } else if (isLink(v) && !g[v[0]]) {
          errors.push({ type: 'exception_during_inner_validation', message: 'Exception when validating inner node', details: `'${v[0]}'`, extra_info: { input_name: name, exception_message: `'${v[0]}'` } });
        }
      }
      if (n.class_type === 'LoadImage' && typeof n.inputs.image === 'string' && !existsSync(join(this.inputDir, n.inputs.image))) {
        errors.push({ type: 'custom_validation_failed', message: 'Custom validation failed for node', details: `image - Invalid image file: ${n.inputs.image}`, extra_info: { input_name: 'image' } });
      }
      if (errors.length) nodeErrors[id] = { errors, dependent_outputs: outputs, class_type: n.class_type };
    }
    if (Object.keys(nodeErrors).length) {
      return { error: { type: 'prompt_outputs_failed_validation', message: 'Prompt outputs failed validation', details: '', extra_info: {} }, node_errors: nodeErrors };
    }
    return null;
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', this.url);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const path = url.pathname.replace(/^\/api(?=\/)/, '');
    const body = () => {
      try {
        return JSON.parse(raw.toString()) as Record<string, unknown>;
      } catch {
        return {};
      }
    };
    let m: RegExpMatchArray | null;
    if (req.method === 'POST' && path === '/prompt') {
      const n = ++this.submits;
      this.authHeaders.push(req.headers.authorization);
      const b = body();
      const scripted = this.onPrompt?.(n, b);
      if (scripted === 'drop-before') return req.socket.destroy();
      if (Array.isArray(scripted)) return this.json(res, scripted[0], scripted[1]);
      const invalid = this.validate(b.prompt);
      if (invalid) return this.json(res, 400, invalid);
      const task: Task = { promptId: typeof b.prompt_id === 'string' ? b.prompt_id : randomUUID(), clientId: String(b.client_id ?? ''), graph: b.prompt as Graph, number: this.number++, interrupted: false };
      this.prompts.push({ promptId: task.promptId, clientId: task.clientId, graph: task.graph, number: task.number });
      this.pending.push(task);
      this.broadcastStatus();
      this.wake?.();
      if (scripted === 'drop') return req.socket.destroy(); // queued, but the answer is cut
      if (scripted === 'hang') return; // queued, and the answer never comes
      return this.json(res, 200, { prompt_id: task.promptId, number: task.number, node_errors: {} });
    }
    if (req.method === 'GET' && path === '/queue') {
      this.queueGets++;
      const item = (t: Task) => [t.number, t.promptId, t.graph, { client_id: t.clientId }, []];
      return this.json(res, 200, { queue_running: this.running ? [item(this.running)] : [], queue_pending: this.pending.map(item) });
    }
    if (req.method === 'POST' && path === '/queue') {
      const b = body();
      if (Array.isArray(b.delete)) {
        for (const id of b.delete as string[]) {
          this.queueDeletes.push(id);
          this.pending = this.pending.filter((t) => t.promptId !== id);
        }
      }
      if (b.clear) this.pending = [];
      this.broadcastStatus();
      return this.json(res, 200, {});
    }
    if (req.method === 'POST' && path === '/interrupt') {
      const b = body();
      const id = typeof b.prompt_id === 'string' ? b.prompt_id : null;
      this.interrupts.push(id);
      if (this.running && (id === null || id === this.running.promptId)) this.running.interrupted = true;
      this.wake?.();
      return this.json(res, 200, {});
    }
    if (req.method === 'GET' && (m = /^\/history\/(.+)$/.exec(path))) {
      this.historyGets++;
      const id = decodeURIComponent(m[1]);
      const h = this.history.get(id);
      return this.json(res, 200, h ? { [id]: h } : {});
    }
    if (req.method === 'GET' && path === '/history') return this.json(res, 200, Object.fromEntries(this.history));
    if (req.method === 'POST' && path === '/upload/image') {
      const text = raw.toString('latin1');
      const field = (name: string) => new RegExp(`name="${name}"\\r\\n\\r\\n([^\\r]*)\\r\\n`).exec(text)?.[1] ?? '';
      const file = /name="image"; filename="([^"]+)"\r\nContent-Type: [^\r]*\r\n\r\n/.exec(text);
      if (!file) return this.json(res, 400, { error: 'no image' });
      const start = file.index! + file[0].length;
      const boundary = /^--([^\r]+)/.exec(text)![1];
      const end = text.indexOf(`\r\n--${boundary}`, start);
      const subfolder = field('subfolder');
      mkdirSync(join(this.inputDir, subfolder), { recursive: true });
      const { writeFileSync } = await import('node:fs');
      writeFileSync(join(this.inputDir, subfolder, file[1]), raw.subarray(start, end));
      this.uploads.push(`${subfolder}/${file[1]}`);
      return this.json(res, 200, { name: file[1], subfolder, type: field('type') || 'input' });
    }
    if (req.method === 'DELETE' && (m = /^\/reelay\/input\/([^/]*)\/([^/]+)$/.exec(path))) {
      const rel = join(decodeURIComponent(m[1]), decodeURIComponent(m[2]));
      this.inputDeletes.push(rel);
      rmSync(join(this.inputDir, rel), { force: true });
      return this.json(res, 200, { deleted: true });
    }
    if (req.method === 'GET' && path === '/view') {
      this.views++;
      const file = join(this.outputDir, url.searchParams.get('subfolder') ?? '', url.searchParams.get('filename') ?? '');
      if (!file.startsWith(this.outputDir) || !existsSync(file)) return this.json(res, 404, {});
      const data = readFileSync(file);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
      return res.end(data);
    }
    this.json(res, 404, { error: `no route ${req.method} ${path}` });
  }

  /** The one worker: runs queued prompts in order, as ComfyUI's prompt_worker does. */
  private async worker(gen: number) {
    while (gen === this.generation) {
      const task = this.pending.shift();
      if (!task) {
        await new Promise<void>((r) => (this.wake = r));
        this.wake = null;
        continue;
      }
      this.running = task;
      try {
        await this.execute(task, gen);
      } catch (err) {
        console.error('fake ComfyUI worker:', err);
      }
      if (this.running === task) this.running = null;
      this.broadcastStatus();
    }
  }

  private async execute(task: Task, gen: number) {
    const { promptId: prompt_id, clientId, graph } = task;
    const messages: [string, Record<string, unknown>][] = [];
    const emit = (type: string, data: Record<string, unknown>) => {
      if (gen !== this.generation) return;
      this.send(clientId, type, data);
      if (type.startsWith('execution_')) messages.push([type, data]);
    };
    const end = (status: 'success' | 'error', outputs: Record<string, unknown> = {}) => {
      if (gen !== this.generation) return;
      this.history.set(prompt_id, { prompt: [task.number, prompt_id, graph, { client_id: clientId }, []], outputs, status: { status_str: status, completed: status === 'success', messages } });
    };
    emit('execution_start', { prompt_id, timestamp: Date.now() });
    emit('execution_cached', { nodes: [], prompt_id, timestamp: Date.now() });
    const outputs: Record<string, unknown> = {};
    for (const node of topo(graph)) {
      if (gen !== this.generation) return;
      const cls = CLASSES[graph[node].class_type];
      emit('executing', { node, display_node: node, prompt_id });
      const steps = cls.sampler ? this.steps ?? (typeof graph[node].inputs.steps === 'number' ? graph[node].inputs.steps : 10) : 0;
      for (let i = 1; i <= steps; i++) {
        while (this.paused && !task.interrupted && gen === this.generation) await sleep(20);
        if (this.stepMs) await sleep(this.stepMs);
        if (task.interrupted) break;
        emit('progress', { value: i, max: steps, prompt_id, node });
      }
      if (task.interrupted) {
        emit('execution_interrupted', { prompt_id, node_id: node, node_type: graph[node].class_type, executed: [], timestamp: Date.now() });
        end('error');
        return;
      }
      if (this.failAt?.node === node) {
        emit('execution_error', {
          prompt_id, node_id: node, node_type: graph[node].class_type, executed: [], exception_message: this.failAt.message,
          exception_type: this.failAt.type, traceback: ['Traceback (most recent call last):', '...'], current_inputs: {}, current_outputs: {},
        });
        end('error');
        return;
      }
      if (cls.output) {
        outputs[node] = await this.save(graph, graph[node].class_type);
        emit('executed', { node, display_node: node, output: outputs[node], prompt_id });
      }
    }
    emit('executing', { node: null, prompt_id });
    // As in ComfyUI, the history entry is written just after the last "executing".
    await sleep(5);
    emit('execution_success', { prompt_id, timestamp: Date.now() });
    end('success', outputs);
    if (gen === this.generation) this.onSuccess?.(prompt_id);
  }

  /** Writes the output node's files (rendered once per format and size) and returns its history output. */
  private async save(graph: Graph, classType: string): Promise<Record<string, unknown>> {
    const p = videoParams(graph);
    const format = classType === 'SaveAnimatedWEBP' ? 'webp' : classType === 'SaveImage' ? 'frames' : this.format;
    const key = `${format}-${p.width}x${p.height}-${p.frames}-${p.fps}`;
    let name = this.rendered.get(key);
    const sub = 'video';
    mkdirSync(join(this.outputDir, sub), { recursive: true });
    if (!name) {
      name = `ComfyUI_${String(this.rendered.size + 1).padStart(5, '0')}_`;
      const src = ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${p.width}x${p.height}:rate=${p.fps}`, '-frames:v', String(p.frames)];
      const base = join(this.outputDir, sub, name);
      if (format === 'mp4') await run(tools().ffmpeg, [...src, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', `${base}.mp4`]);
      else if (format === 'webm') await run(tools().ffmpeg, [...src, '-c:v', 'libvpx', '-deadline', 'realtime', '-b:v', '300k', `${base}.webm`]);
      else if (format === 'frames') await run(tools().ffmpeg, [...src, `${base}%05d.png`]);
      else {
        // An animated WebP, as SaveAnimatedWEBP writes it: frames from ffmpeg, joined by sharp.
        const dir = `${base}frames`;
        mkdirSync(dir, { recursive: true });
        await run(tools().ffmpeg, [...src, join(dir, '%05d.png')]);
        const frames = Array.from({ length: p.frames }, (_, i) => join(dir, `${String(i + 1).padStart(5, '0')}.png`));
        const raw = await Promise.all(frames.map((f) => sharp(f).ensureAlpha().raw().toBuffer()));
        await sharp(Buffer.concat(raw), { raw: { width: p.width, height: p.height * p.frames, channels: 4, pageHeight: p.height } as never })
          .webp({ delay: Array(p.frames).fill(Math.round(1000 / p.fps)), loop: 0 })
          .toFile(`${base}.webp`);
        rmSync(dir, { recursive: true, force: true });
      }
      this.rendered.set(key, name);
    }
    const file = (filename: string) => ({ filename, subfolder: sub, type: 'output' });
    if (format === 'frames') return { images: Array.from({ length: p.frames }, (_, i) => file(`${name}${String(i + 1).padStart(5, '0')}.png`)) };
    const ext = format === 'webp' ? 'webp' : format;
    if (classType === 'VHS_VideoCombine') return { gifs: [{ ...file(`${name}.${ext}`), format: ext === 'mp4' ? 'video/h264-mp4' : `video/${ext}` }] };
    return { images: [file(`${name}.${ext}`)], animated: [true] };
  }
}
