// The `webhooks` setting: endpoints declared in config (for containers), synced into the store at
// start. Self-contained (no imports from the rest of reelay) so the config loader can use it.

export const EVENT_TYPES = ['video.completed', 'video.failed'] as const;

export interface WebhookConfig {
  url: string;
  /** Event types sent to it; default both. */
  events: (typeof EVENT_TYPES)[number][];
  /** Project whose videos it hears about; default the default project. */
  project: string;
  /** Name of the environment variable that holds its signing secret (the secret itself is never in config). */
  secretEnv: string;
}

/** Parses the events list (an array, or comma-separated text); throws on an unknown type. */
export function parseEvents(raw: unknown, where: string): WebhookConfig['events'] {
  if (raw === undefined || raw === null || raw === '') return [...EVENT_TYPES];
  const list = (Array.isArray(raw) ? raw.map(String) : String(raw).split(',')).map((s) => s.trim()).filter(Boolean);
  for (const e of list) {
    if (!(EVENT_TYPES as readonly string[]).includes(e)) throw new Error(`${where}: unknown event '${e}' (known: ${EVENT_TYPES.join(', ')})`);
  }
  if (!list.length) throw new Error(`${where}: events may not be empty`);
  return [...new Set(list)] as WebhookConfig['events'];
}

/** The setting's value: an array, or the same as JSON text (REELAY_WEBHOOKS). */
export function parseWebhooks(raw: unknown): WebhookConfig[] {
  let value = raw;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw new Error('webhooks must be a JSON array of {url, events, project, secretEnv}');
    }
  }
  if (!Array.isArray(value)) throw new Error('webhooks must be an array of {url, events, project, secretEnv}');
  return value.map((item, i) => {
    const where = `webhooks[${i}]`;
    if (!item || typeof item !== 'object') throw new Error(`${where} must be an object {url, events, project, secretEnv}`);
    const o = item as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!['url', 'events', 'project', 'secretEnv'].includes(k)) throw new Error(`${where}: unknown field '${k}'`);
    if (typeof o.url !== 'string' || !o.url) throw new Error(`${where}.url is required`);
    if (typeof o.secretEnv !== 'string' || !o.secretEnv) throw new Error(`${where}.secretEnv is required (the name of the environment variable holding its secret)`);
    if (o.project !== undefined && (typeof o.project !== 'string' || !o.project)) throw new Error(`${where}.project must be a project name`);
    return { url: o.url, events: parseEvents(o.events, where), project: (o.project as string | undefined) ?? 'default', secretEnv: o.secretEnv };
  });
}
