// VideoService: the domain operations behind the routes. Routes call this; this calls the store.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { Config } from '../config/index.js';
import type { AssetRecord, CharacterRecord, NewVideo, Store, Variant, VideoRecord } from '../store/index.js';
import type { BlobStore } from '../blobs/index.js';
import { fitReference, ImageRejected, probe, extractFramePng } from '../media/index.js';
import { ApiError, invalidRequest, invalidValue, notFound } from './errors.js';
import { MAX_EXTENSIONS, MAX_TOTAL_SECONDS, type ModelCatalog, type ModelEntry } from './models.js';
import {
  parseCharacter, parseCreate, parseEdit, parseExtension, parseList, parseRemix,
  type CreateRequest, type RequestInput, type UploadedFile, type VideoSourceSpec,
} from './validate.js';
import { fetchImage } from './fetch-image.js';
import { hashSeed } from './seed.js';

export const newVideoId = () => `video_${randomBytes(16).toString('hex')}`;
export const newCharacterId = () => `char_${randomBytes(16).toString('hex')}`;
const now = () => Math.floor(Date.now() / 1000);

const VARIANTS: Variant[] = ['video', 'thumbnail', 'spritesheet'];
const QUOTA_WINDOW_SEC = 24 * 3600;

function quotaExceeded(limit: number, used: number, asked: number): ApiError {
  return new ApiError(
    429,
    `You exceeded your current quota: this project may queue ${limit} seconds of video per 24 hours, ` +
      `has used ${used} and this request needs ${asked}. Ask the server's operator to raise the quota, or try again later.`,
    'insufficient_quota',
    null,
    'insufficient_quota',
    // Retrying at once cannot help; the official SDKs honour this header.
    { 'x-should-retry': 'false' },
  );
}

export interface ServiceHooks {
  /** A job was queued. */
  queued(id: string): void;
  /** A video was deleted; stop its job if one runs. */
  deleted(id: string): void;
}

export class VideoService {
  constructor(
    private readonly cfg: Config,
    private readonly store: Store,
    private readonly blobs: BlobStore,
    readonly catalog: ModelCatalog,
    private readonly hooks: ServiceHooks,
  ) {}

  async create(projectId: string, input: RequestInput): Promise<VideoRecord> {
    const req = parseCreate(input, this.catalog);
    if (req.characterIds.length && !req.model.capabilities.characters) {
      throw invalidValue('characters', `The model ${req.modelId} does not accept characters.`);
    }
    const id = newVideoId();
    const characters = await this.checkCharacters(projectId, req.characterIds, req.prompt);
    const referenceKey = await this.storeReference(id, req);
    return this.enqueue({
      id, projectId, model: req.modelId, prompt: req.prompt, size: req.size, seconds: req.seconds,
      remixedFromVideoId: null, kind: 'create', sourceVideoId: null, engine: req.model.engine,
      params: { seed: req.seed ?? hashSeed(req.prompt), fit: req.fit ?? this.cfg.referenceFit, referenceKey, uploadKey: null, characters, extensionCount: 0 },
    }, Number(req.seconds), input.idempotencyKey);
  }

  async remix(projectId: string, sourceId: string, input: RequestInput): Promise<VideoRecord> {
    const { prompt } = parseRemix(input);
    const source = await this.completedSource(projectId, sourceId, 'remixed', 'remix');
    const id = newVideoId();
    let referenceKey: string | null = null;
    if (source.params.referenceKey && (await this.blobs.stat(source.params.referenceKey))) {
      referenceKey = `inputs/${id}/reference.png`;
      await this.blobs.put(referenceKey, this.blobs.read(source.params.referenceKey));
    }
    return this.enqueue({
      id, projectId, model: source.model, prompt, size: source.size, seconds: source.seconds,
      remixedFromVideoId: source.id, kind: 'remix', sourceVideoId: source.id, engine: source.engine,
      params: { ...source.params, referenceKey, uploadKey: null, extensionCount: 0 },
    }, Number(source.seconds), input.idempotencyKey);
  }

  async edit(projectId: string, input: RequestInput): Promise<VideoRecord> {
    const { prompt, source } = parseEdit(input);
    const id = newVideoId();
    const src = await this.resolveSource(projectId, id, source, 'edited', 'edit');
    return this.enqueue({
      id, projectId, model: src.model, prompt, size: src.size, seconds: src.seconds,
      remixedFromVideoId: null, kind: 'edit', sourceVideoId: src.record?.id ?? null, engine: src.engine,
      params: { seed: src.record?.params.seed ?? hashSeed(prompt), fit: this.cfg.referenceFit, referenceKey: null, uploadKey: src.uploadKey, characters: [], extensionCount: 0 },
    }, Number(src.seconds), input.idempotencyKey);
  }

  async extend(projectId: string, input: RequestInput): Promise<VideoRecord> {
    const { prompt, seconds, source } = parseExtension(input);
    const id = newVideoId();
    const src = await this.resolveSource(projectId, id, source, 'extended', 'extend');
    const count = (src.record?.params.extensionCount ?? 0) + 1;
    const total = Number(src.seconds) + Number(seconds);
    const refuse = async (err: ApiError) => {
      if (src.uploadKey) await this.blobs.deletePrefix(`inputs/${id}`); // no orphaned upload
      return err;
    };
    if (count > MAX_EXTENSIONS) {
      throw await refuse(invalidValue('video', `A video can be extended at most ${MAX_EXTENSIONS} times; this one already has ${count - 1} extensions.`));
    }
    if (total > MAX_TOTAL_SECONDS) {
      throw await refuse(invalidValue('seconds', `Extending by ${seconds} seconds would make the video ${total} seconds long; the limit is ${MAX_TOTAL_SECONDS} seconds.`));
    }
    return this.enqueue({
      id, projectId, model: src.model, prompt, size: src.size, seconds: String(total),
      remixedFromVideoId: null, kind: 'extension', sourceVideoId: src.record?.id ?? null, engine: src.engine,
      params: {
        seed: src.record?.params.seed ?? hashSeed(prompt), fit: this.cfg.referenceFit, referenceKey: null,
        uploadKey: src.uploadKey, characters: src.record?.params.characters ?? [], extensionCount: count, extendSeconds: Number(seconds),
      },
    }, Number(seconds), input.idempotencyKey);
  }

  /** The video at once when it is finished and cached (the common poll); else use get(). */
  peek(projectId: string, id: string): VideoRecord | undefined {
    return this.store.cachedVideo(id, projectId);
  }

  async get(projectId: string, id: string): Promise<VideoRecord> {
    const v = await this.store.getVideo(id, projectId);
    if (!v) throw notFound(`No video found with id '${id}'.`);
    return v;
  }

  async list(projectId: string, query: Record<string, unknown>) {
    const p = parseList(query);
    const page = await this.store.listVideos({ projectId, afterId: p.after, limit: p.limit, order: p.order });
    if (!page) throw notFound(`No video found with id '${p.after}'.`, 'after');
    return page;
  }

  async delete(projectId: string, id: string): Promise<VideoRecord> {
    const v = await this.store.markDeleted(id, projectId, now());
    if (!v) throw notFound(`No video found with id '${id}'.`);
    this.hooks.deleted(id);
    // A running job's files are its runner's to remove; the sweeper purges whatever is left
    // (also after a crash right here) once no runner holds the job.
    await this.blobs.deletePrefix(`inputs/${id}`);
    if (!v.leaseOwner || v.status !== 'in_progress') {
      await this.blobs.deletePrefix(`videos/${id}`);
      await this.store.deleteAssetRows(id);
      await this.store.markPurged(id, now());
    }
    return v;
  }

  /** The asset to stream, or the contract's error for a video that has none (yet, or any more). */
  async content(projectId: string, id: string, variantRaw: unknown): Promise<AssetRecord> {
    const variant = variantRaw === undefined ? 'video' : String(variantRaw);
    if (!VARIANTS.includes(variant as Variant)) {
      throw invalidValue('variant', `Invalid value: '${variant}'. Supported values are: 'video', 'thumbnail', and 'spritesheet'.`);
    }
    const v = await this.get(projectId, id);
    if (v.status !== 'completed') {
      throw invalidRequest(
        v.status === 'failed' ? `Video '${id}' failed, so it has no content.` : `Video '${id}' is not ready yet: its status is ${v.status}.`,
        null,
        'video_not_ready',
      );
    }
    const asset = v.expiredAt ? null : await this.store.getAsset(id, variant as Variant);
    if (!asset || (v.expiresAt !== null && v.expiresAt <= now())) {
      throw new ApiError(404, `The content of video '${id}' has expired.`, 'invalid_request_error', null, 'video_expired');
    }
    return asset;
  }

  async createCharacter(projectId: string, input: RequestInput): Promise<CharacterRecord> {
    const { name, file } = parseCharacter(input);
    const info = await this.probeUpload(file);
    const id = newCharacterId();
    const clipKey = `characters/${id}/clip.mp4`;
    const frameKey = `characters/${id}/frame.png`;
    const frame = await extractFramePng(file.path, Math.max(0, info.duration / 2 - 0.05));
    const square = await sharp(frame).resize(512, 512, { fit: 'cover' }).png().toBuffer();
    await this.blobs.putFile(clipKey, file.path);
    await this.blobs.put(frameKey, square);
    const c: CharacterRecord = { id, projectId, name, createdAt: now(), clipKey, frameKey };
    await this.store.insertCharacter(c, input.idempotencyKey ? { key: input.idempotencyKey } : undefined);
    return c;
  }

  async getCharacter(projectId: string, id: string): Promise<CharacterRecord> {
    const c = await this.store.getCharacter(id, projectId);
    if (!c) throw notFound(`No character found with id '${id}'.`);
    return c;
  }

  /** Stores the job, within the project's quota; `billedSeconds` is what this job adds to it. */
  private async enqueue(v: Omit<NewVideo, 'createdAt' | 'billedSeconds'>, billedSeconds: number, idempotencyKey?: string): Promise<VideoRecord> {
    const createdAt = now();
    const limit = (await this.store.projectLimits(v.projectId)).quotaSecondsPerDay ?? this.cfg.quotaSecondsPerDay;
    const window = limit > 0 ? { seconds: limit, sinceSec: createdAt - QUOTA_WINDOW_SEC } : undefined;
    const rec = await this.store.insertVideo({ ...v, createdAt, billedSeconds }, window, idempotencyKey ? { key: idempotencyKey } : undefined);
    if (!rec) {
      await this.blobs.deletePrefix(`inputs/${v.id}`); // its reference or upload, stored before the check
      const used = await this.store.billedSecondsSince(v.projectId, createdAt - QUOTA_WINDOW_SEC);
      throw quotaExceeded(limit, used, billedSeconds);
    }
    this.hooks.queued(rec.id);
    return rec;
  }

  private async completedSource(projectId: string, id: string, verb: string, capability: 'remix' | 'edit' | 'extend'): Promise<VideoRecord> {
    const v = await this.store.getVideo(id, projectId);
    if (!v) throw notFound(`No video found with id '${id}'.`);
    if (v.status !== 'completed') {
      throw invalidRequest(`Video '${id}' is ${v.status}; only a completed video can be ${verb}.`, 'video_id');
    }
    const model = this.catalog.get(v.model);
    if (model && !model.capabilities[capability]) {
      throw invalidRequest(`The model ${v.model} cannot ${capability} videos.`, 'video_id');
    }
    return v;
  }

  /** The source of an edit or extension: a completed video of the project, or an uploaded file. */
  private async resolveSource(projectId: string, newId: string, spec: VideoSourceSpec, verb: string, capability: 'edit' | 'extend') {
    if (spec.kind === 'id') {
      const record = await this.completedSource(projectId, spec.id, verb, capability);
      if (record.expiredAt || !(await this.store.getAsset(record.id, 'video'))) {
        throw new ApiError(404, `The content of video '${record.id}' has expired.`, 'invalid_request_error', 'video', 'video_expired');
      }
      return { record, model: record.model, size: record.size, seconds: record.seconds, engine: record.engine, uploadKey: null };
    }
    const info = await this.probeUpload(spec.file);
    const model = this.catalog.get('sora-2') as ModelEntry;
    const size = info.height > info.width ? '720x1280' : '1280x720';
    // An edit re-renders at most 20 s of the upload; an extension keeps all of it, so its total counts it all.
    const whole = Math.max(1, Math.round(info.duration));
    const seconds = String(capability === 'extend' ? whole : Math.min(20, whole));
    const uploadKey = `inputs/${newId}/source.mp4`;
    await this.blobs.putFile(uploadKey, spec.file.path);
    return { record: null, model: model.id, size, seconds, engine: model.engine, uploadKey };
  }

  private async probeUpload(file: UploadedFile) {
    const info = await probe(file.path).catch(() => null);
    if (!info || !info.width || !info.height || !(info.duration > 0)) {
      throw invalidValue(file.field, `The uploaded file '${file.filename}' is not a readable video.`);
    }
    if (info.duration > MAX_TOTAL_SECONDS) {
      throw invalidValue(file.field, `The uploaded video is ${Math.round(info.duration)} seconds long; the limit is ${MAX_TOTAL_SECONDS} seconds.`);
    }
    return info;
  }

  private async checkCharacters(projectId: string, ids: string[], prompt: string): Promise<string[]> {
    const lower = prompt.toLowerCase();
    for (const [i, id] of ids.entries()) {
      const c = await this.store.getCharacter(id, projectId);
      if (!c) throw notFound(`No character found with id '${id}'.`, `characters[${i}].id`);
      if (!lower.includes(c.name.toLowerCase())) {
        throw invalidValue(`characters[${i}].id`, `The prompt must name the character '${c.name}' (${id}) to use it.`);
      }
    }
    return ids;
  }

  private async storeReference(id: string, req: CreateRequest): Promise<string | null> {
    if (!req.reference) return null;
    let bytes: Buffer;
    if (req.reference.kind === 'file') bytes = await readFile(req.reference.file.path);
    else if (req.reference.kind === 'url') {
      bytes = await fetchImage(req.reference.url, {
        allowPrivate: this.cfg.imageUrlAllowPrivate,
        timeoutMs: this.cfg.imageUrlTimeoutMs,
        maxBytes: this.cfg.maxUploadBytes,
      });
    } else {
      throw invalidValue('input_reference.file_id', `File '${req.reference.fileId}' was not found: this server has no Files API; upload the image as input_reference or pass image_url.`);
    }
    const [w, h] = req.size.split('x').map(Number);
    let png: Buffer;
    try {
      png = await fitReference(bytes, w, h, req.fit ?? this.cfg.referenceFit, this.cfg.maxImagePixels);
    } catch (err) {
      if (err instanceof ImageRejected) throw invalidRequest(err.message, 'input_reference', err.reason === 'mismatch' ? null : 'invalid_value');
      throw err;
    }
    const key = `inputs/${id}/reference.png`;
    await this.blobs.put(key, png);
    return key;
  }
}
