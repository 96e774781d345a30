#!/usr/bin/env node
// One bounded autocannon run for scripts/overhead-probe.js, in its own process so it can be pinned
// to a core of its own (`taskset -c 1 node scripts/probe-load.js ...`). Prints one JSON line.
// Usage: node scripts/probe-load.js <url> <get|post> <seconds> <connections>
'use strict';
const autocannon = require('autocannon');

const [url, kind, seconds, connections] = process.argv.slice(2);
const durationSec = Math.min(Number(seconds) || 5, 120);
const pad = (n, w) => String(n).padStart(w, '0');
// The study's generator: {"deptNo":"t%04d","deptName":"test_%06d"} with random numbers.
const studyBody = () => JSON.stringify({ deptNo: 't' + pad(Math.floor(Math.random() * 10000), 4), deptName: 'test_' + pad(Math.floor(Math.random() * 1e6), 6) });
const request =
  kind === 'post'
    ? { method: 'POST', path: '/api/departmentRedises', headers: { 'content-type': 'application/json' }, setupRequest: (r) => ({ ...r, body: studyBody() }) }
    : { method: 'GET', path: '/v1/departments' };
const cpu0 = process.cpuUsage();
const t0 = Date.now();
autocannon({ url, connections: Number(connections) || 50, duration: durationSec, pipelining: 1, timeout: 10, requests: [request] }, (err, r) => {
  if (err) {
    console.error(err.message);
    process.exit(1);
  }
  const cpu = process.cpuUsage(cpu0);
  const wall = (Date.now() - t0) / 1000;
  process.stdout.write(
    JSON.stringify({
      ok: r['2xx'],
      non2xx: r.non2xx,
      errors: r.errors + r.timeouts,
      requests: r.requests.total,
      wallSec: wall,
      rps: r['2xx'] / r.duration,
      p50Ms: r.latency.p50,
      p99Ms: r.latency.p99,
      loadGenCpuPct: Math.round(((cpu.user + cpu.system) / 1e6 / wall) * 100),
    }) + '\n',
  );
});
