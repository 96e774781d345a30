// Latency histogram with 2 % wide buckets from 10 µs: a few hundred counters whatever the request
// count, mergeable across autocannon instances, percentiles within 2 %. autocannon's own result
// has no p95, and one histogram over several instances (replicas, ramp steps) is needed anyway.

const MIN_MS = 0.01;
const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);

export class LatencyHistogram {
  private readonly counts = new Map<number, number>();
  count = 0;
  private sum = 0;
  max = 0;

  record(ms: number): void {
    const v = ms > MIN_MS ? ms : MIN_MS;
    const bucket = Math.ceil(Math.log(v / MIN_MS) / LOG_GROWTH);
    this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + 1);
    this.count++;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
  }

  mean(): number {
    return this.count ? this.sum / this.count : 0;
  }

  /** Upper bound of the bucket holding the p-th percentile (0 < p <= 100); never above max. */
  percentile(p: number): number {
    if (!this.count) return 0;
    const rank = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (const bucket of [...this.counts.keys()].sort((a, b) => a - b)) {
      seen += this.counts.get(bucket)!;
      if (seen >= rank) return Math.min(MIN_MS * GROWTH ** bucket, this.max);
    }
    return this.max;
  }
}
