import { Counter, Histogram, Registry } from 'prom-client';
import { ApiMetrics, LATENCY_BUCKETS } from './metrics';

describe('fast metrics', () => {
  it('expose the same text as prom-client Counter and Histogram for the same observations', async () => {
    const m = new ApiMetrics('app-a', false);
    const ref = new Registry();
    ref.setDefaultLabels({ app: 'app-a' });
    const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests by route template and status code', labelNames: ['method', 'route', 'status'], registers: [ref] });
    const latency = new Histogram({ name: 'http_request_duration_seconds', help: 'HTTP request latency by route template', labelNames: ['method', 'route'], buckets: [...LATENCY_BUCKETS], registers: [ref] });
    const cache = new Counter({ name: 'dept_cache_requests_total', help: 'Cache lookups: hit, miss, or bypass (Redis unavailable, answered from MariaDB)', labelNames: ['result'], registers: [ref] });
    const seen: Array<[string, string, number, number]> = [
      ['GET', '/v1/departments', 200, 0.0004],
      ['GET', '/v1/departments', 200, 0.003],
      ['GET', '/v1/departments', 503, 7],
      ['POST', '/api/departmentRedises', 201, 0.001],
      ['GET', 'unmatched', 404, 0.0005],
    ];
    for (const [method, route, status, s] of seen) {
      m.http.record(method, route, status, s);
      requests.inc({ method, route, status });
      latency.observe({ method, route }, s);
    }
    m.cache.labels({ result: 'hit' }).inc();
    m.cache.inc({ result: 'hit' });
    m.cache.inc({ result: 'miss' });
    cache.inc({ result: 'hit' }, 2);
    cache.inc({ result: 'miss' });
    const lines = (text: string) => text.split('\n').filter((l) => /^(http_|dept_cache)/.test(l)).map((l) => l.replace(/\{(.*)\}/, (_, inner: string) => `{${inner.split(',').sort().join(',')}}`)).sort();
    const ours = lines(await m.registry.metrics());
    expect(ours).toEqual(lines(await ref.metrics()));
    expect(ours).toContain('http_request_duration_seconds_bucket{app="app-a",le="0.0005",method="GET",route="/v1/departments"} 1');
    expect(await m.registry.getMetricsAsJSON()).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'http_requests_total', type: 'counter' })]));
  });
});
