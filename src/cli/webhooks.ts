// reelay webhooks create|list|delete|rotate-secret|deliveries|redeliver: webhook endpoints and
// their deliveries, in the local data dir (a running server sees the changes within a second).
import { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { DEFAULT_PROJECT } from '../http/index.js';
import type { WebhookDelivery, WebhookEndpoint } from '../store/index.js';
import { createEndpoint, DestinationError, rotateSecret } from '../webhooks/index.js';
import { EXIT } from './errors.js';
import { withStore } from './local-store.js';

const when = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z'));

/** An endpoint without its secrets (list never shows them). */
const publicEndpoint = (e: WebhookEndpoint) => ({
  id: e.id, project: e.projectName, url: e.url, events: e.events, source: e.source, created_at: e.createdAt,
  disabled_at: e.disabledAt, disabled_reason: e.disabledReason,
  previous_secret_valid_until: e.oldSecretUntil && e.oldSecretUntil > Date.now() ? Math.floor(e.oldSecretUntil / 1000) : null,
});

function describeDelivery(d: WebhookDelivery): string {
  const last = d.lastAttemptAt === null ? 'not tried yet' : `last ${when(d.lastAttemptAt)} ${d.lastStatusCode ?? '-'}${d.lastError ? ` (${d.lastError})` : ''}`;
  const next = d.status === 'pending' ? `  next ${when(d.nextAttemptAt)}` : d.finishedAt ? `  at ${when(d.finishedAt)}` : '';
  return `${d.eventId}  ${d.eventType.padEnd(15)} ${d.videoId}  ${d.endpointId}  ${d.status.padEnd(9)} attempts ${d.attempts}  ${last}${next}`;
}

function fail(message: string, code: number) {
  console.error(`reelay: ${message}`);
  process.exitCode = code;
}

export function webhooksCommand() {
  const webhooks = new Command('webhooks').description('webhook endpoints (per project) and their deliveries');
  webhooks
    .command('create')
    .description('add an endpoint and print its signing secret once')
    .option('-p, --project <name>', 'project whose videos it hears about (created if new)', DEFAULT_PROJECT)
    .requiredOption('--url <url>', 'https URL that receives the events')
    .option('--events <list>', 'comma-separated: video.completed, video.failed', 'video.completed,video.failed')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  reelay webhooks create --project mobile-app --url https://example.com/hooks/reelay --events video.completed\n')
    .action((opts: { project: string; url: string; events: string; json?: boolean }) =>
      withStore(async (store) => {
        let e: WebhookEndpoint;
        try {
          e = await createEndpoint(store, { project: opts.project, url: opts.url, events: opts.events }, loadConfig().webhookAllowPrivate);
        } catch (err) {
          if (err instanceof DestinationError) return fail(`refused: ${err.message}`, EXIT.usage);
          throw err;
        }
        if (opts.json) return console.log(JSON.stringify({ ...publicEndpoint(e), secret: e.secret }));
        console.log(`${e.secret}\n(endpoint ${e.id} for project '${e.projectName}': ${e.url}, ${e.events.join(', ')}; the secret is not shown again)`);
      }),
    );
  webhooks
    .command('list')
    .description('list endpoints (never their secrets)')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      withStore(async (store) => {
        const list = await store.webhooks.listEndpoints();
        if (opts.json) return console.log(JSON.stringify(list.map(publicEndpoint)));
        for (const e of list) {
          const state = e.disabledAt ? `disabled (${e.disabledReason})` : 'active';
          const rotating = e.oldSecretUntil && e.oldSecretUntil > Date.now() ? `  previous secret valid until ${when(e.oldSecretUntil)}` : '';
          console.log(`${e.id}  ${e.projectName.padEnd(16)} ${e.url}  ${e.events.join(',')}  ${e.source}  ${state}${rotating}`);
        }
      }),
    );
  webhooks
    .command('delete')
    .description('remove an endpoint; its pending deliveries are cancelled')
    .argument('<id>', 'endpoint id (we_...)')
    .action((id: string) =>
      withStore(async (store) => {
        const e = await store.webhooks.getEndpoint(id);
        if (!e) return fail(`no webhook endpoint with id ${id}`, EXIT.notFound);
        await store.webhooks.deleteEndpoint(id);
        console.log(`deleted ${id}${e.source === 'config' ? ' (it is in the webhooks setting: the next start adds it again)' : ''}`);
      }),
    );
  webhooks
    .command('rotate-secret')
    .description('give an endpoint a new secret (printed once); for 24 h deliveries carry both signatures')
    .argument('<id>', 'endpoint id (we_...)')
    .option('--json', 'print JSON')
    .action((id: string, opts: { json?: boolean }) =>
      withStore(async (store) => {
        const e = await rotateSecret(store, id);
        if (!e) return fail(`no webhook endpoint with id ${id}`, EXIT.notFound);
        if (opts.json) return console.log(JSON.stringify({ ...publicEndpoint(e), secret: e.secret }));
        console.log(`${e.secret}\n(new secret for ${e.id}; the previous one also signs until ${when(e.oldSecretUntil)}; not shown again)`);
      }),
    );
  webhooks
    .command('deliveries')
    .description('deliveries, newest first: status, attempts, last response, next retry')
    .option('--endpoint <id>', 'only this endpoint')
    .option('--failed', 'only deliveries that gave up or whose last attempt failed')
    .option('--attempts', 'also list every attempt')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'print JSON')
    .action((opts: { endpoint?: string; failed?: boolean; attempts?: boolean; limit: string; json?: boolean }, cmd: Command) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) cmd.error(`error: --limit must be a positive whole number, got '${opts.limit}'`);
      return withStore(async (store) => {
        const list = await store.webhooks.listDeliveries({ endpointId: opts.endpoint, failed: opts.failed, limit });
        const withAttempts = opts.attempts || opts.json
          ? await Promise.all(list.map(async (d) => ({ ...d, attemptList: await store.webhooks.listAttempts(d.seq) })))
          : list.map((d) => ({ ...d, attemptList: [] }));
        if (opts.json) return console.log(JSON.stringify(withAttempts));
        for (const d of withAttempts) {
          console.log(describeDelivery(d));
          if (opts.attempts) {
            for (const a of d.attemptList) {
              console.log(`    ${when(a.attemptedAt)}  ${String(a.statusCode ?? '-').padEnd(4)} ${a.outcome.padEnd(9)} ${a.durationMs} ms${a.error ? `  ${a.error}` : ''}`);
            }
          }
        }
      });
    });
  webhooks
    .command('redeliver')
    .description("send an event again (to its endpoints, and any of its project's endpoints subscribed since); a running server sends it within a second")
    .argument('<event_id>', 'event id (evt_...)')
    .action((id: string) =>
      withStore(async (store) => {
        const n = await store.webhooks.redeliver(id, Date.now());
        if (n === null) return fail(`no webhook event with id ${id}`, EXIT.notFound);
        if (n === 0) return fail(`event ${id} has no enabled endpoint to go to`, EXIT.general);
        console.log(`queued ${id} for ${n} endpoint${n === 1 ? '' : 's'}`);
      }),
    );
  return webhooks;
}
