// Prometheus metrics, one registry per server so several can live in one process (tests).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Store } from '../store/index.js';

export class Metrics {
  readonly registry = new Registry();
  readonly renderSeconds: Histogram<'engine' | 'outcome'>;
  /** Webhook delivery attempts by outcome: delivered, failed (a retry follows), gave_up, disabled (410 Gone). */
  readonly webhookDeliveries: Counter<'outcome'>;
  // Requests are counted in plain numbers (method -> route -> status) and handed to the counter
  // when /metrics is read: prom-client builds a label key string on every inc(), which per
  // request cost more than the rest of the bookkeeping.
  private readonly requestCounts = new Map<string, Map<string, Map<number, number>>>();

  constructor(store: Store) {
    collectDefaultMetrics({ register: this.registry, prefix: 'reelay_' });
    const counts = this.requestCounts;
    new Counter({
      name: 'reelay_http_requests_total',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [method, routes] of counts)
          for (const [route, statuses] of routes) for (const [status, n] of statuses) this.inc({ method, route, status: String(status) }, n);
      },
    });
    this.renderSeconds = new Histogram({
      name: 'reelay_render_seconds',
      help: 'Wall time of job attempts by engine and outcome',
      labelNames: ['engine', 'outcome'],
      buckets: [0.5, 1, 2, 5, 10, 20, 40, 80, 160, 320],
      registers: [this.registry],
    });
    this.webhookDeliveries = new Counter({
      name: 'reelay_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome (delivered, failed: a retry follows, gave_up, disabled: 410 Gone)',
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    for (const outcome of ['delivered', 'failed', 'gave_up', 'disabled']) this.webhookDeliveries.inc({ outcome }, 0);
    new Gauge({
      name: 'reelay_webhook_backlog',
      help: 'Webhook deliveries not yet delivered, given up or cancelled',
      registers: [this.registry],
      async collect() {
        this.set(await store.webhooks.backlog());
      },
    });
    new Gauge({
      name: 'reelay_jobs',
      help: 'Videos by status (not deleted)',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        const counts = await store.countByStatus();
        for (const [status, n] of Object.entries(counts)) this.set({ status }, n);
      },
    });
  }

  countRequest(method: string, route: string, status: number): void {
    let routes = this.requestCounts.get(method);
    if (!routes) this.requestCounts.set(method, (routes = new Map()));
    let statuses = routes.get(route);
    if (!statuses) routes.set(route, (statuses = new Map()));
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
  }
}
