#!/usr/bin/env node
// The per-request cost of two dept-api layers in isolation (no sockets), old way and new way:
// the metrics onResponse hook (prom-client inc + observe vs HttpRequestMetrics.record), the
// POST body validation (Nest's ValidationPipe vs FastValidationPipe) and the id and name rule
// (every rule vs its ASCII shortcut). Bounded: ~1 s per case.
// Usage: npm run build && node scripts/hot-path-microbench.js
'use strict';
require('reflect-metadata');
const { join } = require('node:path');
const { Counter, Histogram, Registry } = require('prom-client');
const dist = join(__dirname, '../dist');
const { ApiMetrics, LATENCY_BUCKETS } = require(join(dist, 'libs/observability/src'));
const { DepartmentRedisDto, fullTextProblem, textProblem } = require(join(dist, 'libs/departments/src'));
const { ValidationPipe } = require('@nestjs/common');
const { VALIDATION } = require(join(dist, 'apps/dept-api/src/bootstrap'));
const { FastValidationPipe } = require(join(dist, 'apps/dept-api/src/common/fast-validation.pipe'));

async function bench(name, fn) {
  for (let i = 0; i < 2e4; i++) await fn(i);
  let n = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  while (process.hrtime.bigint() - t0 < 1_000_000_000n) for (let k = 0; k < 1000; k++) await fn(n++);
  const cpu = process.cpuUsage(cpu0);
  console.log(`${name.padEnd(44)} ${(((cpu.user + cpu.system) / n) * 1000).toFixed(0).padStart(6)} ns CPU per call (${n} calls)`);
}

(async () => {
  const reg = new Registry();
  const requests = new Counter({ name: 'r', help: 'h', labelNames: ['method', 'route', 'status'], registers: [reg] });
  const latency = new Histogram({ name: 'l', help: 'h', labelNames: ['method', 'route'], buckets: [...LATENCY_BUCKETS], registers: [reg] });
  const m = new ApiMetrics('bench', false);
  await bench('metrics hook, before (prom-client inc+observe)', (i) => {
    requests.inc({ method: 'GET', route: '/v1/departments', status: 200 });
    latency.observe({ method: 'GET', route: '/v1/departments' }, (i % 100) / 50000);
  });
  await bench('metrics hook, after (HttpRequestMetrics.record)', (i) => m.http.record('GET', '/v1/departments', 200, (i % 100) / 50000));
  const cache = new Counter({ name: 'c', help: 'h', labelNames: ['result'], registers: [reg] });
  const hit = m.cache.labels({ result: 'hit' });
  await bench('cache counter, before (prom-client inc)', () => cache.inc({ result: 'hit' }));
  await bench('cache counter, after (CounterSeries.inc)', () => hit.inc());
  const meta = { type: 'body', metatype: DepartmentRedisDto };
  const body = () => ({ deptNo: 't1234', deptName: 'test_123456' });
  const slow = new ValidationPipe(VALIDATION);
  const fast = new FastValidationPipe(VALIDATION);
  await bench('POST body validation, before (ValidationPipe)', () => slow.transform(body(), meta));
  await bench('POST body validation, after (FastValidationPipe)', () => fast.transform(body(), meta));
  // A study body's two fields through the identity rule: every rule, and with the ASCII shortcut.
  const ids = Array.from({ length: 1000 }, (_, i) => [`t${String(i).padStart(4, '0')}`, `test_${String(i * 7).padStart(6, '0')}`]);
  await bench('id + name rule, every rule (fullTextProblem)', (i) => {
    const [no, name] = ids[i % 1000];
    return fullTextProblem('deptNo', no) ?? fullTextProblem('deptName', name);
  });
  await bench('id + name rule, ASCII shortcut (textProblem)', (i) => {
    const [no, name] = ids[i % 1000];
    return textProblem('deptNo', no) ?? textProblem('deptName', name);
  });
})();
