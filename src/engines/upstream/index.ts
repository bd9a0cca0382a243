// The upstream engines' front door: one client per configured upstream, one engine per upstream,
// one poll scheduler for all of them, and the catalog entries for the models they serve.
import type { Logger } from 'pino';
import type { JobContext } from '../engine.js';
import type { ModelCapabilities, ModelEntry } from '../../videos/models.js';
import type { VideoRecord } from '../../store/index.js';
import type { UpstreamConfig } from './config.js';
import { UpstreamClient } from './client.js';
import { PollScheduler } from './scheduler.js';
import { UpstreamEngine, parseState, type UpstreamRegistry } from './engine.js';

export { parseUpstreams, type UpstreamConfig, type UpstreamModelConfig } from './config.js';
export { UpstreamEngine, parseState, sleep, type UpstreamState } from './engine.js';
export { normaliseStatus } from './normalise.js';
// Shared with the ComfyUI engine: requests that know whether they left in full, and the limiters.
export { open, send, multipart, TransportError, type UpstreamResponse } from './http.js';
export { receiveToFile, DownloadError } from './download.js';
export { Semaphore, TokenBucket } from './limiter.js';

const CREATED = 1759708800;
const PRO_ONLY = ['1792x1024', '1024x1792', '1920x1080', '1080x1920'];

export class UpstreamPool implements UpstreamRegistry {
  readonly scheduler = new PollScheduler();
  readonly engines: UpstreamEngine[];
  private readonly clients = new Map<string, UpstreamClient>();
  private readonly caps = new Map<string, { primary: string; caps: ModelCapabilities }>();

  constructor(
    private readonly configs: UpstreamConfig[],
    private readonly log: Logger,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    for (const c of configs) this.clients.set(c.id, new UpstreamClient(c, log, env));
    this.engines = configs.map((c) => new UpstreamEngine(c.id, this, log));
    for (const c of configs) {
      for (const [model, m] of Object.entries(c.models)) {
        const seen = this.caps.get(model);
        if (seen) {
          // Remix/edit/extend of a model must work on every upstream a create may fail over to.
          seen.caps.remix &&= m.remix;
          seen.caps.edit &&= m.edit;
          seen.caps.extend &&= m.extend;
          continue;
        }
        this.caps.set(model, {
          primary: c.id,
          caps: {
            sizes: [...m.sizes],
            default_size: m.sizes[0],
            seconds: [...m.seconds],
            default_seconds: m.seconds.includes('4') ? '4' : m.seconds[0],
            input_reference: m.inputReference,
            remix: m.remix,
            edit: m.edit,
            extend: m.extend,
            characters: m.characters,
          },
        });
      }
    }
  }

  /** Catalog entries: each public model runs on the first upstream that lists it. */
  models(): ModelEntry[] {
    return [...this.caps].map(([id, { primary, caps }]) => ({
      id,
      base: id,
      engine: `upstream:${primary}`,
      owned_by: `reelay-upstream (${primary})`,
      created: CREATED,
      pro: caps.sizes.some((s) => PRO_ONLY.includes(s)),
      capabilities: caps,
    }));
  }

  client(id: string): UpstreamClient | undefined {
    return this.clients.get(id);
  }

  capabilities(model: string): ModelCapabilities | null {
    return this.caps.get(model)?.caps ?? null;
  }

  candidates(primary: string, job: JobContext): UpstreamClient[] {
    const v = job.video;
    const fits = (c: UpstreamClient) => {
      const m = c.cfg.models[v.model];
      return !!m && m.sizes.includes(v.size) && m.seconds.includes(v.seconds) && (!job.inputs.referencePath || m.inputReference);
    };
    const own = this.clients.get(primary);
    const rest = this.configs.filter((c) => c.id !== primary).map((c) => this.clients.get(c.id)!);
    return [...(own ? [own] : []), ...rest].filter(fits);
  }

  /** A video was deleted: cancel its upstream job if it is still running there. */
  async onDeleted(video: VideoRecord | null): Promise<void> {
    if (!video || !video.engine.startsWith('upstream:') || video.status === 'completed' || video.status === 'failed') return;
    const state = parseState(video.engineState);
    if (state?.phase !== 'submitted') return;
    const client = this.clients.get(state.upstream);
    if (client && (await client.cancel(state.upstreamId))) {
      this.log.info({ video_id: video.id, upstream: client.id, upstream_id: state.upstreamId }, 'cancelled upstream job');
    }
  }

  close(): void {
    this.scheduler.stop();
  }
}
