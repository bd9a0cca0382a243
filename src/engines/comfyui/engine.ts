// The ComfyUI engine: reelay picks the prompt id and checkpoints it before /prompt is sent, so a
// lost answer or a crash is settled by looking the id up in /queue and /history, never by sending
// it again blindly. Then the server's tracker follows it; the output is fetched, made into an
// H.264 MP4 at the requested size, and stored.
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Logger } from 'pino';
import { EngineError, type Engine, type JobContext } from '../engine.js';
import { sleep } from '../upstream/index.js';
import type { ModelCapabilities } from '../../videos/models.js';
import { DownloadError, TransportError, type ComfyClient, type HistoryEntry, type Whereabouts } from './client.js';
import { frameCount, graphSize, type ComfyModelConfig } from './config.js';
import { applyBinding, ProgressModel, type Graph } from './graph.js';
import { lastFrame, outputFiles, stitch, toMp4 } from './output.js';
import { LostPrompt, type PromptTracker } from './tracker.js';

/** The checkpoint. `submitting` is written with reelay's prompt id before /prompt is sent; `submitted` once the server has it. */
export interface ComfyState {
  phase: 'submitting' | 'submitted';
  server: string;
  promptId: string;
  /** The WebSocket client id it was submitted with (a later process has another: it polls). */
  clientId: string;
  /** The workflow run (an extension runs its model's extendWith). */
  workflow: string;
  startedAt: number;
  submittedAt: number | null;
  /** Times the prompt was submitted again because a server had lost it. */
  lost: number;
  /** The reference image uploaded to the server, removed after the job where the server allows it. */
  input: { name: string; subfolder: string } | null;
}

export function parseState(raw: unknown): ComfyState | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const s = raw as Record<string, unknown>;
  if ((s.phase !== 'submitting' && s.phase !== 'submitted') || typeof s.server !== 'string' || typeof s.promptId !== 'string') return null;
  return {
    phase: s.phase, server: s.server, promptId: s.promptId,
    clientId: typeof s.clientId === 'string' ? s.clientId : '',
    workflow: typeof s.workflow === 'string' ? s.workflow : '',
    startedAt: typeof s.startedAt === 'number' ? s.startedAt : Date.now(),
    submittedAt: typeof s.submittedAt === 'number' ? s.submittedAt : null,
    lost: typeof s.lost === 'number' ? s.lost : 0,
    input: typeof s.input === 'object' && s.input !== null ? (s.input as ComfyState['input']) : null,
  };
}

/** What the engine needs from the pool of servers. */
export interface ComfyRegistry {
  model(id: string): ComfyModelConfig | undefined;
  capabilities(model: string): ModelCapabilities | null;
  client(id: string): ComfyClient | undefined;
  tracker(id: string): PromptTracker;
  /** The least-loaded server with a free slot that has the model and is not in `skip` (waits for a slot); null when none is left. */
  acquire(model: string, skip: Set<string>, signal: AbortSignal): Promise<ComfyClient | null>;
  /** Counts a prompt already on the server (resumed): never waits. */
  force(client: ComfyClient): void;
  release(client: ComfyClient): void;
}

/** Resubmissions after a server lost a prompt (it restarted, or its queue was cleared). */
const MAX_LOST = 2;
const LOOKS_MS = [0, 500, 1500];

interface Plan {
  /** The public model the video is of. */
  model: ComfyModelConfig;
  /** The workflow that runs (the model's own, or its extendWith for an extension). */
  workflow: ComfyModelConfig;
  graph: (input: string | null) => Graph;
  reference: string | null;
  width: number;
  height: number;
}

export class ComfyEngine implements Engine {
  readonly id = 'comfyui';

  constructor(
    private readonly pool: ComfyRegistry,
    private readonly log: Logger,
    readonly slots: number,
  ) {}

  describe(model: string): ModelCapabilities | null {
    return this.pool.capabilities(model);
  }

  async run(job: JobContext): Promise<void> {
    const plan = await this.plan(job);
    let state = parseState(job.state);
    let client: ComfyClient;
    if (state) {
      client = this.clientOf(state.server);
      if (state.phase === 'submitting') ({ client, state } = await this.resumeSubmit(job, plan, client, state));
      else this.pool.force(client);
    } else {
      ({ client, state } = await this.submit(job, plan, 0));
    }

    let history: HistoryEntry;
    for (;;) {
      try {
        history = await this.follow(job, plan, client, state);
        break;
      } catch (err) {
        this.pool.release(client);
        if (!(err instanceof LostPrompt)) {
          if (err instanceof EngineError && err.code === 'timeout') void client.cancel(state.promptId).catch(() => {});
          if (!(err instanceof EngineError && err.code === 'shutdown') && !job.signal.aborted) await this.cleanInput(client, state);
          throw err;
        }
        if (state.lost >= MAX_LOST) throw new EngineError('engine_error', `${err.message} It was submitted ${state.lost + 1} times; reelay gives up.`);
        this.log.warn({ video_id: job.video.id, comfyui: client.id, prompt_id: state.promptId }, 'ComfyUI server lost the prompt; submitting it again');
        ({ client, state } = await this.submit(job, plan, state.lost + 1));
      }
    }
    this.pool.release(client);
    try {
      await this.store(job, plan, client, state, history);
    } finally {
      await this.cleanInput(client, state);
    }
  }

  private clientOf(id: string): ComfyClient {
    const c = this.pool.client(id);
    if (!c) throw new EngineError('engine_error', `The job belongs to the ComfyUI server '${id}', which is no longer configured.`);
    return c;
  }

  /** What runs for this job, checked before anything is sent. */
  private async plan(job: JobContext): Promise<Plan> {
    const v = job.video;
    const model = this.pool.model(v.model);
    if (!model) throw new EngineError('engine_error', `The model ${v.model} is not a configured ComfyUI model.`);
    let workflow = model;
    let reference = job.inputs.referencePath;
    let seconds = Number(v.seconds);
    if (v.kind === 'edit') throw new EngineError('engine_error', `ComfyUI models cannot edit videos (${v.model}).`);
    if (v.kind === 'remix' && !model.remix) throw new EngineError('engine_error', `The model ${v.model} cannot remix videos.`);
    if (v.kind === 'extension') {
      const ext = model.extendWith ? this.pool.model(model.extendWith) : undefined;
      if (!ext) throw new EngineError('engine_error', `The model ${v.model} cannot extend videos.`);
      if (!job.inputs.sourceVideoPath) throw new EngineError('engine_error', 'The source video of the extension is gone.');
      workflow = ext;
      seconds = Number(v.params.extendSeconds ?? Number(v.seconds) - Number(job.inputs.source?.seconds ?? 0));
      // The continuation starts from the source's last frame, at the video's size.
      const [w, h] = v.size.split('x').map(Number);
      const last = join(job.workDir, 'comfyui-source-last.png');
      await lastFrame(job.inputs.sourceVideoPath, last, job.signal);
      reference = join(job.workDir, 'comfyui-last-frame.png');
      await sharp(last).resize(w, h, { fit: 'cover' }).png().toFile(reference);
    }
    if (workflow.bind.image.length && !reference) {
      throw new EngineError('engine_error', `The model ${workflow.id} is image-to-video: send an input_reference image.`);
    }
    const { width, height } = graphSize(workflow, v.size);
    const [outW, outH] = v.size.split('x').map(Number);
    const values = {
      prompt: v.prompt ?? '',
      negativePrompt: workflow.negativePrompt ?? undefined,
      // The same seed for a remix (copied from its source) and for an extension's chain.
      seed: v.params.seed,
      width, height,
      frames: frameCount(workflow, seconds),
      fps: workflow.fps,
    };
    return {
      model, workflow, reference, width: outW, height: outH,
      graph: (input) => applyBinding(workflow.graph, workflow.bind, { ...values, ...(input ? { image: input } : {}) }),
    };
  }

  /** Submits to the least-loaded server that has the workflow; another is tried only when the prompt was definitely not queued. */
  private async submit(job: JobContext, plan: Plan, lost: number): Promise<{ client: ComfyClient; state: ComfyState }> {
    const v = job.video;
    const tried = new Set<string>();
    let lastMessage = 'no server was tried';
    for (;;) {
      const client = await this.pool.acquire(plan.workflow.id, tried, job.signal);
      if (!client) break;
      tried.add(client.id);
      let keep = false;
      try {
        const out = await this.submitTo(job, plan, client, randomUUID(), lost);
        if (out.kind === 'submitted') {
          keep = true;
          return { client, state: out.state };
        }
        lastMessage = `${client.id}: ${out.message}`;
        this.log.warn({ video_id: v.id, comfyui: client.id, why: out.message }, 'ComfyUI server did not take the prompt');
      } finally {
        if (!keep) this.pool.release(client);
      }
    }
    // Nothing was queued anywhere: a later attempt may submit afresh.
    await job.checkpoint(null);
    throw new EngineError('engine_error', `No ComfyUI server took the job (${lastMessage}).`, true);
  }

  /**
   * Uploads the reference, checkpoints the prompt id, sends /prompt. `next`: definitely not queued
   * there (another server may be tried). Throws when the server refused the workflow, or when the
   * outcome cannot be settled now (the checkpoint stays `submitting`; the next attempt looks again).
   */
  private async submitTo(job: JobContext, plan: Plan, client: ComfyClient, promptId: string, lost: number): Promise<{ kind: 'submitted'; state: ComfyState } | { kind: 'next'; message: string }> {
    let input: ComfyState['input'] = null;
    if (plan.reference) {
      try {
        input = await client.uploadImage(plan.reference, `${job.video.id}.png`);
      } catch (err) {
        if (err instanceof TransportError) return { kind: 'next', message: `uploading the reference image failed: ${err.message}` };
        throw err;
      }
    }
    const graph = plan.graph(input ? (input.subfolder ? `${input.subfolder}/${input.name}` : input.name) : null);
    const startedAt = Date.now();
    const state: ComfyState = { phase: 'submitting', server: client.id, promptId, clientId: client.clientId, workflow: plan.workflow.id, startedAt, submittedAt: null, lost, input };
    await job.checkpoint(state);
    const out = await client.submit(graph, promptId);
    if (out.kind === 'rejected') {
      await this.cleanInput(client, state);
      throw new EngineError('engine_error', `ComfyUI ('${client.id}') refused the workflow of ${plan.workflow.id}: ${out.message}`);
    }
    if (out.kind === 'refused' || out.kind === 'busy') return { kind: 'next', message: out.message };
    if (out.kind === 'unknown') {
      const where = await this.lookUp(client, promptId, job.signal);
      if (where === null) throw new EngineError('engine_error', `The outcome of the submission to the ComfyUI server '${client.id}' is unknown (${out.message}) and the server cannot be asked now; reelay will look for prompt ${promptId} again and not send it twice.`, true);
      if (where === 'absent') return { kind: 'next', message: `${out.message}; the prompt is not on the server` };
    }
    const submitted: ComfyState = { ...state, phase: 'submitted', promptId: out.kind === 'accepted' ? out.promptId : promptId, submittedAt: Date.now() };
    await this.markSubmitted(job, client, submitted);
    this.log.info({ video_id: job.video.id, comfyui: client.id, prompt_id: submitted.promptId }, 'submitted to ComfyUI');
    return { kind: 'submitted', state: submitted };
  }

  private async markSubmitted(job: JobContext, client: ComfyClient, state: ComfyState) {
    try {
      await job.checkpoint(state);
    } catch (err) {
      // Deleted (or taken from us) meanwhile: nobody will follow this prompt, so stop it.
      void client.cancel(state.promptId).catch(() => {});
      throw err;
    }
  }

  /** Where the server has the prompt, looking a few times; null when the server cannot be asked. */
  private async lookUp(client: ComfyClient, promptId: string, signal: AbortSignal): Promise<Whereabouts | null> {
    let answered = false;
    for (const wait of LOOKS_MS) {
      if (wait) await sleep(wait, signal);
      try {
        const where = await client.whereabouts(promptId);
        if (where !== 'absent') return where;
        answered = true;
      } catch {
        // unreachable this time
      }
    }
    return answered ? 'absent' : null;
  }

  /** An earlier attempt died with its prompt id checkpointed and /prompt maybe sent: find it there, else send it (once) now. */
  private async resumeSubmit(job: JobContext, plan: Plan, client: ComfyClient, state: ComfyState): Promise<{ client: ComfyClient; state: ComfyState }> {
    const where = await this.lookUp(client, state.promptId, job.signal);
    if (where === null) {
      throw new EngineError('engine_error', `The ComfyUI server '${client.id}' cannot be reached to find prompt ${state.promptId}, whose submission was interrupted; reelay will look again and not send it twice.`, true);
    }
    this.pool.force(client);
    if (where !== 'absent') {
      const submitted: ComfyState = { ...state, phase: 'submitted', submittedAt: state.startedAt };
      try {
        await this.markSubmitted(job, client, submitted);
      } catch (err) {
        this.pool.release(client);
        throw err;
      }
      this.log.info({ video_id: job.video.id, comfyui: client.id, prompt_id: state.promptId, where }, 'found the interrupted submission on ComfyUI');
      return { client, state: submitted };
    }
    // In neither place: it never arrived. Send it with the same id.
    let keep = false;
    try {
      const out = await this.submitTo(job, plan, client, state.promptId, state.lost);
      if (out.kind === 'submitted') {
        keep = true;
        return { client, state: out.state };
      }
    } finally {
      if (!keep) this.pool.release(client);
    }
    return this.submit(job, plan, state.lost);
  }

  /** Follows the prompt to its end, moving the video's progress forward only. */
  private follow(job: JobContext, plan: Plan, client: ComfyClient, state: ComfyState): Promise<HistoryEntry> {
    let last = 0;
    const progress = new ProgressModel(plan.workflow.graph, plan.workflow.bind);
    const report = (p: number) => {
      const clamped = Math.min(99, Math.max(1, p));
      if (clamped <= last) return;
      last = clamped;
      job.progress(clamped).catch(() => {});
    };
    report(1);
    return this.pool.tracker(client.id).track(state.promptId, {
      deadline: (state.submittedAt ?? state.startedAt) + client.cfg.jobTimeoutMs,
      signal: job.signal,
      covered: state.clientId === client.clientId,
      progress,
      onProgress: report,
    });
  }

  /** Fetches the output node's files, converts them when needed, and writes the video. */
  private async store(job: JobContext, plan: Plan, client: ComfyClient, state: ComfyState, history: HistoryEntry) {
    const files = outputFiles(history, plan.workflow.bind.output);
    if (!files.length) {
      const nodes = Object.keys(history.outputs);
      throw new EngineError('engine_error', `ComfyUI finished, but the output node ${plan.workflow.bind.output} saved no files${nodes.length ? ` (nodes with outputs: ${nodes.join(', ')})` : ''}.`);
    }
    const dir = join(job.workDir, 'comfyui-output');
    await mkdir(dir, { recursive: true });
    const paths: string[] = [];
    for (const [i, f] of files.entries()) {
      const ext = /\.[A-Za-z0-9]{1,5}$/.exec(f.filename)?.[0] ?? '';
      const path = join(dir, `${String(i).padStart(6, '0')}${ext}`);
      await this.download(job, client, f, path);
      paths.push(path);
    }
    const target = { width: plan.width, height: plan.height, fps: plan.workflow.fps, signal: job.signal };
    let video: string;
    try {
      video = await toMp4(paths, join(job.workDir, 'comfyui-video.mp4'), target);
      if (job.video.kind === 'extension') {
        const stitched = join(job.workDir, 'comfyui-stitched.mp4');
        await stitch(job.inputs.sourceVideoPath!, video, stitched, target);
        video = stitched;
      }
    } catch (err) {
      if (job.signal.aborted) throw job.signal.reason;
      throw new EngineError('engine_error', `The output of ComfyUI ('${client.id}', ${files[0].filename}) could not be made into an MP4: ${(err as Error).message}`);
    }
    await job.writeAsset('video', video);
    this.log.info({ video_id: job.video.id, comfyui: client.id, prompt_id: state.promptId, files: files.length }, 'stored the ComfyUI output');
  }

  private async download(job: JobContext, client: ComfyClient, file: { filename: string; subfolder: string; type: string }, path: string) {
    let lastError = '';
    for (let attempt = 0; attempt < 4; attempt++) {
      if (attempt) await sleep(500 * 2 ** attempt, job.signal);
      try {
        await client.download(file, path, job.signal);
        return;
      } catch (err) {
        if (job.signal.aborted) throw job.signal.reason;
        if (!(err instanceof DownloadError)) throw err;
        lastError = err.message;
        if (!err.retryable) break;
      }
    }
    // The prompt is done on the server: another attempt downloads again, it does not rerun.
    throw new EngineError('engine_error', `The output could not be fetched from the ComfyUI server '${client.id}': ${lastError}.`, true);
  }

  private async cleanInput(client: ComfyClient, state: ComfyState) {
    if (state.input) await client.deleteInput(state.input.name, state.input.subfolder);
  }
}
