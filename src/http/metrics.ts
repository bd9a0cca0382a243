// Prometheus metrics, one registry per server so several can live in one process (tests).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Store } from '../store/index.js';

export class Metrics {
  readonly registry = new Registry();
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly renderSeconds: Histogram<'engine' | 'outcome'>;

  constructor(store: Store) {
    collectDefaultMetrics({ register: this.registry, prefix: 'reelay_' });
    this.requests = new Counter({
      name: 'reelay_http_requests_total',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.renderSeconds = new Histogram({
      name: 'reelay_render_seconds',
      help: 'Wall time of job attempts by engine and outcome',
      labelNames: ['engine', 'outcome'],
      buckets: [0.5, 1, 2, 5, 10, 20, 40, 80, 160, 320],
      registers: [this.registry],
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
}
