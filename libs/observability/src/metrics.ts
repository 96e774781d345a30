import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { FastCounter, HttpRequestMetrics } from './fast-metrics';

/** Latency buckets of `http_request_duration_seconds`, in seconds. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] as const;

/**
 * The API's Prometheus metrics, in one registry per app instance (tests start several apps in
 * one process, so nothing goes into prom-client's global registry).
 */
export class ApiMetrics {
  readonly registry = new Registry();
  /** `http_requests_total` and `http_request_duration_seconds`, recorded once per request (the onResponse hook). */
  readonly http: HttpRequestMetrics;
  /** Updated on every cached read: plain counters, read by prom-client at scrape time. */
  readonly cache: FastCounter<'result'>;
  readonly redisErrors: Counter<'op'>;
  readonly dbErrors: Counter<'op'>;
  readonly degraded: Gauge<'dependency'>;

  constructor(app: string, defaults = true) {
    this.registry.setDefaultLabels({ app });
    if (defaults) collectDefaultMetrics({ register: this.registry });
    this.http = new HttpRequestMetrics(this.registry, LATENCY_BUCKETS);
    this.cache = new FastCounter(this.registry, 'dept_cache_requests_total', 'Cache lookups: hit, miss, or bypass (Redis unavailable, answered from MariaDB)', ['result']);
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
