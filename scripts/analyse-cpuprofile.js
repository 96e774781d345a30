#!/usr/bin/env node
// What each layer of a server costs in a V8 .cpuprofile (from scripts/cpu-prof-preload.js or
// `node --cpu-prof`): every sample is given to the innermost frame that belongs to a known layer
// ("own": node and V8 builtins count for the layer that called them), and separately to every
// layer on its stack ("incl", overlapping). Percentages are of the non-idle samples.
// With --requests N (answers served while the profile ran) each layer is also given in µs per
// request (its samples x the mean sampling interval / N).
// Usage: node scripts/analyse-cpuprofile.js <file.cpuprofile>... [--top 25] [--requests N] [--callers <function>]
'use strict';
const { readFileSync } = require('node:fs');

const args = process.argv.slice(2);
const topN = args.includes('--top') ? Number(args[args.indexOf('--top') + 1]) : 25;
const requests = args.includes('--requests') ? Number(args[args.indexOf('--requests') + 1]) : 0;
const callersOf = args.includes('--callers') ? args[args.indexOf('--callers') + 1] : null;
const files = args.filter((a) => a.endsWith('.cpuprofile'));

// First match wins; order matters (validation before the rest of @nestjs/common, etc.).
const LAYERS = [
  ['metrics (prom-client + the hooks in bootstrap)', (u) => /prom-client|dept-api\/src\/bootstrap/.test(u)],
  ['validation (class-validator/transformer, ValidationPipe, FastValidationPipe)', (u) => /class-validator|class-transformer|@nestjs\/common\/pipes|fast-validation\.pipe/.test(u)],
  ['logging (pino, Nest Logger)', (u) => /\/pino|abstract-logging|@nestjs\/common\/services\/.*logger/.test(u)],
  ['Nest pipeline (router, guards, interceptors, pipes, filters)', (u) => /@nestjs\/core|@nestjs\/common/.test(u)],
  ['Nest Fastify adapter', (u) => /@nestjs\/platform-fastify/.test(u)],
  ['fastify serialisation', (u) => /fast-json-stringify|fastify\/lib\/(reply|content-type|schemas|error)/.test(u)],
  ['fastify core + router', (u) => /node_modules\/(fastify|find-my-way|avvio|@fastify|light-my-request|fast-querystring|fast-decode-uri|secure-json-parse)/.test(u)],
  ['ioredis', (u) => /ioredis|redis-parser|standard-as-callback|cluster-key-slot|denque/.test(u)],
  ['dept-api + libs', (u) => /\/dist\/(apps|libs)\//.test(u)],
  ['node http', (u) => /node:_http|node:http/.test(u)],
  ['node net/stream', (u) => /node:net|node:internal\/stream|node:stream|node:internal\/streams|node:events|node:internal\/(timers|async_hooks|process\/task_queues)/.test(u)],
];
const SPECIAL = new Set(['(garbage collector)', '(program)', '(idle)', '(root)']);

function layerOf(node) {
  const { url, functionName } = node.callFrame;
  if (!url) return null;
  for (const [name, test] of LAYERS) if (test(url, functionName)) return name;
  return null;
}

for (const file of files) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const counts = new Map();
  for (const s of p.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
  const own = new Map();
  const incl = new Map();
  const selfFn = new Map();
  let total = 0;
  let idle = 0;
  for (const [id, count] of counts) {
    const leaf = byId.get(id);
    const name = leaf.callFrame.functionName;
    if (name === '(idle)' || name === '(program)') {
      idle += count;
      continue;
    }
    total += count;
    const key = `${name || '(anonymous)'} ${leaf.callFrame.url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, 'dist/')}:${leaf.callFrame.lineNumber + 1}`;
    selfFn.set(key, (selfFn.get(key) ?? 0) + count);
    if (SPECIAL.has(name)) {
      own.set(name, (own.get(name) ?? 0) + count);
      continue;
    }
    let ownLayer = null;
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const l = layerOf(byId.get(cur));
      if (!l) continue;
      if (!ownLayer) ownLayer = l;
      seen.add(l);
    }
    ownLayer = ownLayer ?? '(native/builtin, no JS caller layer)';
    own.set(ownLayer, (own.get(ownLayer) ?? 0) + count);
    for (const l of seen) incl.set(l, (incl.get(l) ?? 0) + count);
  }
  const durUs = p.endTime - p.startTime;
  const usPerSample = durUs / p.samples.length;
  const pct = (n) => ((n / total) * 100).toFixed(1).padStart(5) + ' %' + (requests ? ` ${((n * usPerSample) / requests).toFixed(2).padStart(6)} µs/req` : '');
  if (requests) console.log(`busy: ${((total * usPerSample) / requests).toFixed(1)} µs/req over ${requests} requests`);
  console.log(`\n${file}: ${total} busy samples, ${idle} idle/program, ${(durUs / 1e6).toFixed(1)} s`);
  console.log('layer                                                        own      incl');
  // incl is left out for node's own layers: every callback runs under an event emit.
  for (const [l, n] of [...own].sort((a, b) => b[1] - a[1])) console.log(`${l.padEnd(58)} ${pct(n)}  ${incl.has(l) && !l.startsWith('node') ? pct(incl.get(l)) : ''}`);
  if (callersOf) {
    const stacks = new Map();
    for (const [id, count] of counts) {
      const chain = [];
      for (let cur = id; cur !== undefined; cur = parent.get(cur)) chain.push(byId.get(cur).callFrame);
      const i = chain.findIndex((f) => f.functionName === callersOf);
      if (i === -1) continue;
      const key = chain.slice(i, i + 6).map((f) => `${f.functionName || '(anon)'}@${f.url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, '')}:${f.lineNumber + 1}`).join(' < ');
      stacks.set(key, (stacks.get(key) ?? 0) + count);
    }
    console.log(`stacks through ${callersOf}:`);
    for (const [k, n] of [...stacks].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  ${pct(n)}  ${k}`);
  }
  console.log(`top ${topN} functions by self time:`);
  for (const [k, n] of [...selfFn].sort((a, b) => b[1] - a[1]).slice(0, topN)) console.log(`  ${pct(n)}  ${k}`);
}
