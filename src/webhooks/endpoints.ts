// Making, rotating and syncing endpoints: what the CLI and the server's start call.
import type { Logger } from 'pino';
import type { Store, WebhookEndpoint } from '../store/index.js';
import { parseEvents, type WebhookConfig } from './config.js';
import { checkDestination, checkUrl, DestinationError } from './destination.js';
import { generateSecret, ROTATION_OVERLAP_MS } from './signing.js';

export interface NewEndpointInput {
  project: string;
  url: string;
  /** Comma-separated text or a list; default both event types. */
  events?: string | string[];
}

/** Checks the destination (refusing a bad URL with DestinationError) and stores the endpoint with a fresh secret. */
export async function createEndpoint(store: Store, input: NewEndpointInput, allowPrivate: boolean): Promise<WebhookEndpoint> {
  let events;
  try {
    events = parseEvents(input.events, '--events');
  } catch (err) {
    throw new DestinationError((err as Error).message);
  }
  const url = await checkDestination(input.url, allowPrivate);
  const projectId = await store.ensureProject(input.project);
  return store.webhooks.createEndpoint({ projectId, url: url.toString(), events, secret: generateSecret() });
}

/** A new secret; the old one keeps signing beside it for 24 hours. */
export async function rotateSecret(store: Store, id: string, nowMs = Date.now()): Promise<WebhookEndpoint | null> {
  return store.webhooks.rotateSecret(id, generateSecret(), nowMs + ROTATION_OVERLAP_MS);
}

/**
 * Makes the store's config endpoints exactly the `webhooks` setting. Each secret comes from the
 * environment variable the entry names; a URL that is not allowed stops the start with its reason
 * (a name that does not resolve yet is only logged: it is checked again on every attempt).
 */
export async function syncConfigEndpoints(store: Store, list: WebhookConfig[], allowPrivate: boolean, log: Logger, env = process.env) {
  const entries = [];
  for (const [i, w] of list.entries()) {
    const secret = env[w.secretEnv];
    if (!secret) throw new Error(`webhooks[${i}]: the environment variable ${w.secretEnv} (its secretEnv) is not set`);
    let url: URL;
    try {
      url = await checkDestination(w.url, allowPrivate);
    } catch (err) {
      if (!(err instanceof DestinationError) || !/does not resolve/.test(err.message)) throw new Error(`webhooks[${i}]: ${(err as Error).message}`);
      log.warn({ url: w.url }, `webhooks[${i}]: ${err.message}; deliveries will retry`);
      url = checkUrl(w.url, allowPrivate);
    }
    entries.push({ projectId: await store.ensureProject(w.project), url: url.toString(), events: w.events, secret });
  }
  const counts = await store.webhooks.syncConfigEndpoints(entries, Date.now(), ROTATION_OVERLAP_MS);
  if (counts.created || counts.updated || counts.removed) log.info(counts, 'webhook endpoints from config synced');
  return counts;
}
