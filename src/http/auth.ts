// API keys: bearer tokens stored only as SHA-256 hashes; each key belongs to one project.
import { hash as digest, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Store } from '../store/index.js';
import { ApiError } from '../videos/index.js';

export const DEFAULT_PROJECT = 'default';

export const hashKey = (key: string) => digest('sha256', key, 'hex');
export const newApiKey = () => `sk-reelay-${randomBytes(24).toString('base64url')}`;
/** What lists and errors show of a key: never enough to use it. */
export const keyHint = (key: string) => (key.length > 12 ? `${key.slice(0, 3)}…${key.slice(-4)}` : '…');

export interface Principal {
  projectId: string;
  /** The project's own rate limit (null: the server's setting). */
  rateLimitRpm: number | null;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;
const bearerKey = (header: string | undefined): string | null => (header ? (BEARER.exec(header)?.[1] ?? null) : null);

export class Authenticator {
  private envKeyHash: Buffer | null;
  private envKeyHex: string | null;
  private defaultProjectId: string | null = null;
  // Hashing a key costs more than the rest of looking it up. Keys that matched a stored key are
  // remembered with their hash (in memory only, bounded); the lookup by hash still decides, so a
  // revoked key stops working as before. Unknown keys are never remembered.
  private readonly knownHashes = new Map<string, string>();

  constructor(
    private readonly store: Store,
    envKey: string | null,
  ) {
    this.envKeyHex = envKey ? hashKey(envKey) : null;
    this.envKeyHash = this.envKeyHex ? Buffer.from(this.envKeyHex, 'hex') : null;
  }

  async init(): Promise<void> {
    this.defaultProjectId = await this.store.ensureProject(DEFAULT_PROJECT);
  }

  /**
   * The project of a request's bearer key: at once when the key was seen before and is still
   * cached (the common case, every poll), otherwise after a lookup. Throws the contract's 401s.
   */
  authenticate(header: string | undefined): Principal | Promise<Principal> {
    const key = bearerKey(header);
    if (key === null) {
      throw new ApiError(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        'invalid_request_error',
        null,
        null,
      );
    }
    return this.fromMemory(key) ?? this.lookup(key, this.knownHashes.get(key) ?? hashKey(key));
  }

  /** The principal when the key is known and everything about it is in memory; never throws or waits. */
  cached(header: string | undefined): Principal | undefined {
    const key = bearerKey(header);
    return key === null ? undefined : this.fromMemory(key);
  }

  private fromMemory(key: string): Principal | undefined {
    const known = this.knownHashes.get(key);
    if (known === undefined) return undefined;
    if (known === this.envKeyHex && this.defaultProjectId) {
      const limits = this.store.cachedProjectLimits(this.defaultProjectId);
      return limits && { projectId: this.defaultProjectId, rateLimitRpm: limits.rateLimitRpm };
    }
    const rec = this.store.cachedKey(known);
    return rec && { projectId: rec.projectId, rateLimitRpm: rec.projectLimits.rateLimitRpm };
  }

  private async lookup(key: string, hash: string): Promise<Principal> {
    if (this.envKeyHash && this.defaultProjectId && timingSafeEqual(Buffer.from(hash, 'hex'), this.envKeyHash)) {
      this.remember(key, hash);
      return { projectId: this.defaultProjectId, rateLimitRpm: (await this.store.projectLimits(this.defaultProjectId)).rateLimitRpm };
    }
    const rec = await this.store.findKeyByHash(hash);
    if (!rec) throw new ApiError(401, `Incorrect API key provided: ${keyHint(key)}.`, 'invalid_request_error', null, 'invalid_api_key');
    this.remember(key, hash);
    return { projectId: rec.projectId, rateLimitRpm: rec.projectLimits.rateLimitRpm };
  }

  private remember(key: string, hash: string) {
    if (this.knownHashes.has(key)) return;
    if (this.knownHashes.size >= 10_000) this.knownHashes.clear();
    this.knownHashes.set(key, hash);
  }
}

/** Creates a key for a project (by name) and returns the secret, shown once. */
export async function createKey(store: Store, projectName: string, name: string) {
  const projectId = await store.ensureProject(projectName);
  const secret = newApiKey();
  const record = await store.createKey(projectId, name, hashKey(secret), keyHint(secret));
  return { secret, record };
}
