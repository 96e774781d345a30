import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The API's Prometheus metrics, in one registry per app instance (tests start several apps in
 * one process, so nothing goes into prom-client's global registry).
 */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly latency: Histogram<'method' | 'route'>;
  readonly cache: Counter<'result'>;
  readonly redisErrors: Counter<'op'>;
  readonly dbErrors: Counter<'op'>;
  readonly degraded: Gauge<'dependency'>;

  constructor(app: string, defaults = true) {
    this.registry.setDefaultLabels({ app });
    if (defaults) collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by route template and status code',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route template',
      labelNames: ['method', 'route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    this.cache = new Counter({
      name: 'dept_cache_requests_total',
      help: 'Cache lookups: hit, miss, or bypass (Redis unavailable, answered from MariaDB)',
      labelNames: ['result'],
      registers: [this.registry],
    });
    this.redisErrors = new Counter({
      name: 'dept_redis_errors_total',
      help: 'Redis operations that failed (timeout, connection refused, error reply)',
      labelNames: ['op'],
      registers: [this.registry],
    });
    this.dbErrors = new Counter({
      name: 'dept_db_errors_total',
      help: 'MariaDB operations that failed because the database was unavailable',
      labelNames: ['op'],
      registers: [this.registry],
    });
    this.degraded = new Gauge({
      name: 'dept_dependency_degraded',
      help: '1 while a dependency is failing and the API answers in degraded mode',
      labelNames: ['dependency'],
      registers: [this.registry],
    });
  }

  /** Adds gauges read at scrape time (for example the HA client's counters). */
  addCollector(name: string, help: string, labelNames: string[], read: () => Array<{ labels: Record<string, string>; value: number }>): void {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const s of read()) this.set(s.labels, s.value);
      },
    });
  }
}
