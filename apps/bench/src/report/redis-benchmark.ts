// Parses redis-benchmark output into RedisBenchmarkResult.tests: the quiet form
// ("SET: 181818.19 requests per second, p50=0.255 msec") and the --csv form (header
// "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms").
import type { RedisBenchmarkTest } from './types';

export function parseRedisBenchmark(output: string): Record<string, RedisBenchmarkTest> {
  const tests: Record<string, RedisBenchmarkTest> = {};
  const lines = output.split(/\r?\n/);
  const csvHeader = lines.findIndex((l) => /^"test","rps"/.test(l.trim()));
  if (csvHeader >= 0) {
    const cols = lines[csvHeader].trim().split(',').map((c) => c.replace(/"/g, ''));
    const at = (name: string) => cols.indexOf(name);
    for (const line of lines.slice(csvHeader + 1)) {
      if (!line.trim()) continue;
      const v = line.trim().split(',').map((c) => c.replace(/"/g, ''));
      const num = (name: string) => (at(name) >= 0 && v[at(name)] !== undefined ? Number(v[at(name)]) : null);
      // "LPUSH (needed to benchmark LRANGE)" and similar keep their first word.
      tests[v[0].split(' ')[0].toUpperCase()] = { rps: num('rps') ?? 0, p50Ms: num('p50_latency_ms'), p95Ms: num('p95_latency_ms'), p99Ms: num('p99_latency_ms') };
    }
    return tests;
  }
  // The quiet form may carry carriage-return progress updates; the last segment is the result.
  for (const raw of lines) {
    const line = raw.split('\r').pop()!.trim();
    const m = /^([A-Za-z_ ]+?)(?: \([^)]*\))?: ([\d.]+) requests per second(?:, p50=([\d.]+) msec)?/.exec(line);
    if (m) tests[m[1].split(' ')[0].toUpperCase()] = { rps: Number(m[2]), p50Ms: m[3] ? Number(m[3]) : null, p95Ms: null, p99Ms: null };
  }
  return tests;
}
