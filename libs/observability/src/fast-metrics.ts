import type { Registry } from 'prom-client';

/**
 * Metrics updated on every request, kept as plain numbers and handed to prom-client only at scrape
 * time (as custom metrics through `Registry.registerMetric`, the same exposition as prom-client's
 * Counter and Histogram). prom-client validates and hashes the labels on every `inc`/`observe`
 * (about 1-3 µs each on the lab host, a tenth of the bare handler's cost per request); here a
 * series is looked up once and then only incremented.
 */

type LabelValues = Record<string, string | number>;

interface Value {
  labels: LabelValues;
  value: number;
  metricName?: string;
}

/** The shape prom-client's Registry reads from a metric (`get()`, `name`, `help`, `type`, `reset()`). */
class ScrapedMetric {
  readonly aggregator = 'sum';
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'histogram',
    registry: Registry,
    private readonly values: () => Value[],
    readonly reset: () => void,
  ) {
    registry.registerMetric(this as never);
  }
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Value[] }> {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.values() };
  }
}

/** One series of a counter: `inc` is an addition. */
export class CounterSeries {
  value = 0;
  constructor(readonly labels: LabelValues) {}
  inc(by = 1): void {
    this.value += by;
  }
}

/** A counter whose series are looked up once (`labels(...)`) and then incremented as numbers. */
export class FastCounter<L extends string> {
  private readonly series = new Map<string, CounterSeries>();

  constructor(registry: Registry, readonly name: string, help: string, private readonly labelNames: readonly L[]) {
    new ScrapedMetric(name, help, 'counter', registry, () => [...this.series.values()].map((s) => ({ labels: s.labels, value: s.value })), () => this.series.clear());
  }

  /** The series for these label values (created at first use); keep it to increment it cheaply. */
  labels(labels: Record<L, string | number>): CounterSeries {
    const key = this.labelNames.map((n) => String(labels[n])).join('\u0000');
    let s = this.series.get(key);
    if (!s) {
      s = new CounterSeries({ ...labels });
      this.series.set(key, s);
    }
    return s;
  }

  inc(labels: Record<L, string | number>, by = 1): void {
    this.labels(labels).inc(by);
  }
}

/** One route's requests: counts by status code and one latency histogram. */
export class RouteSeries {
  readonly byStatus = new Map<number, number>();
  /** Observations per bucket (not cumulative); the last one is +Inf. */
  readonly buckets: number[];
  sum = 0;
  count = 0;

  constructor(readonly method: string, readonly route: string, private readonly bounds: readonly number[]) {
    this.buckets = new Array<number>(bounds.length + 1).fill(0);
  }

  record(status: number, seconds: number): void {
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
    const b = this.bounds;
    let i = 0;
    while (i < b.length && seconds > b[i]) i++;
    this.buckets[i]++;
    this.sum += seconds;
    this.count++;
  }
}

/**
 * `http_requests_total{method,route,status}` and `http_request_duration_seconds{method,route}` (a
 * histogram), one `RouteSeries` per method and route template.
 */
export class HttpRequestMetrics {
  private readonly routes = new Map<string, Map<string, RouteSeries>>();

  constructor(registry: Registry, private readonly bounds: readonly number[]) {
    const series = () => [...this.routes.values()].flatMap((m) => [...m.values()]);
    const reset = () => this.routes.clear();
    new ScrapedMetric('http_requests_total', 'HTTP requests by route template and status code', 'counter', registry, () =>
      series().flatMap((s) => [...s.byStatus].map(([status, value]) => ({ labels: { method: s.method, route: s.route, status }, value }))), reset);
    new ScrapedMetric('http_request_duration_seconds', 'HTTP request latency by route template', 'histogram', registry, () =>
      series().flatMap((s) => {
        const labels = { method: s.method, route: s.route };
        let cumulative = 0;
        const out: Value[] = s.buckets.map((n, i) => {
          cumulative += n;
          return { labels: { ...labels, le: i < bounds.length ? bounds[i] : '+Inf' }, value: cumulative, metricName: 'http_request_duration_seconds_bucket' };
        });
        out.push({ labels, value: s.sum, metricName: 'http_request_duration_seconds_sum' });
        out.push({ labels, value: s.count, metricName: 'http_request_duration_seconds_count' });
        return out;
      }), reset);
  }

  /** The series of one method and route template (two Map look-ups, no string building). */
  route(method: string, route: string): RouteSeries {
    let byRoute = this.routes.get(method);
    if (!byRoute) {
      byRoute = new Map();
      this.routes.set(method, byRoute);
    }
    let s = byRoute.get(route);
    if (!s) {
      s = new RouteSeries(method, route, this.bounds);
      byRoute.set(route, s);
    }
    return s;
  }

  record(method: string, route: string, status: number, seconds: number): void {
    this.route(method, route).record(status, seconds);
  }
}
