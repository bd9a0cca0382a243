// The ComfyUI engine's front door: one client, WebSocket and tracker per configured server, one
// engine for every ComfyUI model (a job goes to the least-loaded server that has its workflow),
// and the catalog entries for the models.
import type { Logger } from 'pino';
import type { ModelCapabilities, ModelEntry } from '../../videos/models.js';
import type { VideoRecord } from '../../store/index.js';
import type { ComfyConfig, ComfyModelConfig } from './config.js';
import { ComfyClient } from './client.js';
import { PromptTracker } from './tracker.js';
import { ComfyEngine, parseState, type ComfyRegistry } from './engine.js';

export { parseComfyui, frameCount, graphSize, type ComfyConfig, type ComfyModelConfig, type ComfyServerConfig } from './config.js';
export { ComfyEngine, parseState as parseComfyState, type ComfyState } from './engine.js';

const CREATED = 1759708800;
const PRO_ONLY = ['1792x1024', '1024x1792', '1920x1080', '1080x1920'];

export class ComfyPool implements ComfyRegistry {
  readonly engine: ComfyEngine | null;
  private readonly clients = new Map<string, ComfyClient>();
  private readonly trackers = new Map<string, PromptTracker>();
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly cfg: ComfyConfig,
    private readonly log: Logger,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const models = Object.keys(cfg.models);
    if (!models.length) {
      this.engine = null;
      return;
    }
    for (const s of cfg.servers) {
      if (s.models && !s.models.length) continue;
      const c = new ComfyClient(s, log, env);
      this.clients.set(s.id, c);
      this.trackers.set(s.id, new PromptTracker(c, log));
    }
    const slots = [...this.clients.values()].reduce((n, c) => n + c.cfg.maxInFlight, 0);
    this.engine = new ComfyEngine(this, log, slots);
  }

  /** Catalog entries: one per configured model, with what its workflow can do. */
  models(): ModelEntry[] {
    return Object.values(this.cfg.models).map((m) => {
      const servers = [...this.clients.values()].filter((c) => c.has(m.id)).map((c) => c.id);
      return {
        id: m.id,
        base: m.id,
        engine: 'comfyui',
        owned_by: `reelay-comfyui (${servers.join(', ')})`,
        created: CREATED,
        pro: m.sizes.some((s) => PRO_ONLY.includes(s)),
        capabilities: this.caps(m),
      };
    });
  }

  private caps(m: ComfyModelConfig): ModelCapabilities {
    return {
      sizes: [...m.sizes],
      default_size: m.sizes[0],
      seconds: [...m.seconds],
      default_seconds: m.seconds.includes('4') ? '4' : m.seconds[0],
      input_reference: m.inputReference,
      remix: m.remix,
      edit: false,
      extend: m.extendWith !== null,
      characters: false,
    };
  }

  model(id: string): ComfyModelConfig | undefined {
    return this.cfg.models[id];
  }

  capabilities(model: string): ModelCapabilities | null {
    const m = this.cfg.models[model];
    return m ? this.caps(m) : null;
  }

  client(id: string): ComfyClient | undefined {
    return this.clients.get(id);
  }

  tracker(id: string): PromptTracker {
    return this.trackers.get(id)!;
  }

  /** Servers that were reachable at last contact are preferred; then the emptiest queue for its size. */
  async acquire(model: string, skip: Set<string>, signal: AbortSignal): Promise<ComfyClient | null> {
    const order = [...this.clients.values()];
    for (;;) {
      if (signal.aborted) throw signal.reason;
      const candidates = order.filter((c) => c.has(model) && !skip.has(c.id));
      if (!candidates.length) return null;
      const free = candidates.filter((c) => c.free);
      if (free.length) {
        const load = (c: ComfyClient) => Math.max(c.used, c.queueRemaining) / c.cfg.maxInFlight;
        free.sort((a, b) => Number(b.up) - Number(a.up) || load(a) - load(b) || a.used - b.used || order.indexOf(a) - order.indexOf(b));
        free[0].used++;
        return free[0];
      }
      await this.waitForSlot(signal);
    }
  }

  force(client: ComfyClient): void {
    client.used++;
  }

  release(client: ComfyClient): void {
    client.used = Math.max(0, client.used - 1);
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private waitForSlot(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(t);
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        clearTimeout(t);
        this.waiters = this.waiters.filter((w) => w !== done);
        reject(signal.reason);
      };
      const t = setTimeout(done, 1000); // a server's state may change without a release
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(done);
    });
  }

  /** A video was deleted: take its prompt off the server (out of the queue, or interrupted) and remove its input. */
  async onDeleted(video: VideoRecord | null): Promise<void> {
    if (!video || video.engine !== 'comfyui' || video.status === 'completed' || video.status === 'failed') return;
    const state = parseState(video.engineState);
    const client = state ? this.clients.get(state.server) : undefined;
    if (!state || !client) return;
    const where = await client.cancel(state.promptId);
    if (state.input) await client.deleteInput(state.input.name, state.input.subfolder);
    this.log.info({ video_id: video.id, comfyui: client.id, prompt_id: state.promptId, where }, 'cancelled the ComfyUI prompt');
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.trackers.values()) t.stop();
  }
}
