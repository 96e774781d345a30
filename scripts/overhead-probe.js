#!/usr/bin/env node
// A bounded, pinned, alternated comparison of dept-api against the bare Fastify + ioredis floor
// (apps/bench/src/runs/bare-server.ts), outside the bench CLI, for profiling work:
//   node scripts/overhead-probe.js [--rounds 3] [--duration 6] [--connections 50] [--routes get,post]
//        [--profile] [--server-core 0] [--load-core 1] [--redis-core <server-core>] [--stop-db]
// Starts (in $PROBE_DIR, default /tmp/perf-probe) a MariaDB (kept running between probes unless
// --stop-db), an empty redis-server without persistence, the bare server and dept-api
// (REDIS_MODE=single), servers and Redis pinned to --server-core, autocannon to --load-core.
// Each round runs bare and dept-api one after the other (the order alternates by round); CPU per
// request is each server process's own utime+stime (/proc/<pid>/stat) over the run / 2xx answers.
// --profile: dept-api runs with scripts/cpu-prof-preload.js and writes one .cpuprofile per
// dept-api run (the load window only) to $PROBE_DIR/prof/.
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const { readFileSync, mkdirSync, writeFileSync, existsSync } = require('node:fs');
const { join } = require('node:path');
const root = join(__dirname, '..');
const { MariaDbServer, RedisServer, freePort, DEPT_API_NODE_FLAGS } = require(join(root, 'dist/libs/procs/src'));
const { waitFor, sleep } = require(join(root, 'dist/libs/async/src'));

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? dflt : argv[i + 1];
};
const flag = (name) => argv.includes(`--${name}`);
const rounds = Math.min(Number(opt('rounds', 3)), 10);
const duration = Math.min(Number(opt('duration', 6)), 30);
const connections = Number(opt('connections', 50));
const routes = opt('routes', 'get,post').split(',');
const serverCore = opt('server-core', '0');
const loadCore = opt('load-core', '1');
const redisCore = opt('redis-core', serverCore);
const profile = flag('profile');
const DIR = process.env.PROBE_DIR || '/tmp/perf-probe';
const DB_PASSWORD = 'probe-password';
const HARD_LIMIT_MS = 20 * 60_000;
setTimeout(() => {
  console.error('overhead-probe: 20 min limit reached, stopping');
  cleanup().finally(() => process.exit(3));
}, HARD_LIMIT_MS).unref();

const children = [];
function start(name, args, env = {}, pin = serverCore) {
  const child = spawn('taskset', ['-c', pin, process.execPath, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  child.log = () => log;
  child.name = name;
  children.push(child);
  return child;
}
function stopChild(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => (clearTimeout(t), resolve()));
    child.stdin.end();
    child.kill('SIGTERM');
  });
}
let redis;
let db;
async function cleanup() {
  await Promise.all(children.map(stopChild));
  if (redis) await redis.stop().catch(() => undefined);
  if (db && flag('stop-db')) await db.stop().catch(() => undefined);
}
process.on('SIGINT', () => cleanup().finally(() => process.exit(130)));

/** utime+stime of a process, in ms (clock ticks of 10 ms on Linux). */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}
const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const stats = (v) => ({ median: median(v), min: Math.min(...v), max: Math.max(...v) });
const r3 = (x) => Math.round(x * 1000) / 1000;

function load(url, route) {
  return new Promise((resolve, reject) => {
    const child = spawn('taskset', ['-c', loadCore, process.execPath, join(__dirname, 'probe-load.js'), url, route, String(duration), String(connections)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const t = setTimeout(() => child.kill('SIGKILL'), (duration + 30) * 1000);
    child.on('exit', (code) => {
      clearTimeout(t);
      if (code !== 0) return reject(new Error(`probe-load failed (${code}): ${err}`));
      resolve(JSON.parse(out));
    });
  });
}

async function main() {
  mkdirSync(DIR, { recursive: true });
  // MariaDB: reused between probes (its port in DIR/mariadb.port).
  const portFile = join(DIR, 'mariadb.port');
  const dbPort = existsSync(portFile) ? Number(readFileSync(portFile, 'utf8')) : await freePort();
  db = new MariaDbServer({ name: 'probe-mariadb', port: dbPort, dir: join(DIR, 'mariadb'), bufferPoolMb: 128 });
  if (!db.running()) {
    await db.start();
    await db.rootSql(
      'CREATE DATABASE IF NOT EXISTS employees; ' +
        `CREATE USER IF NOT EXISTS 'dept'@'127.0.0.1' IDENTIFIED BY '${DB_PASSWORD}'; ` +
        "GRANT ALL PRIVILEGES ON employees.* TO 'dept'@'127.0.0.1'; FLUSH PRIVILEGES;",
    );
    writeFileSync(portFile, String(dbPort));
  }
  redis = new RedisServer({ name: 'probe-redis', port: await freePort(), dir: join(DIR, 'redis'), persistence: 'none' });
  await redis.start({ empty: true });
  execFileSync('taskset', ['-cp', redisCore, String(redis.pid)], { stdio: 'ignore' });

  const barePort = await freePort();
  const profDir = join(DIR, 'prof', new Date().toISOString().replace(/[:.]/g, '-'));
  const deptPort = await freePort();
  // Both servers on dept-api's runtime flags, as in `bench api-overhead`.
  const preload = [...DEPT_API_NODE_FLAGS, ...(profile ? ['-r', join(__dirname, 'cpu-prof-preload.js')] : [])];
  const bare = start('bare', [...preload, 'dist/apps/bench/src/runs/bare-server.js', String(barePort), String(redis.port)], { CPU_PROF_DIR: profDir });
  const dept = start('dept', [...preload, 'dist/apps/dept-api/src/main.js'], {
    NODE_ENV: 'production', APP_NAME: 'dept-redis', PORT: String(deptPort), HOST: '127.0.0.1', LOG_LEVEL: 'warn', DOCS_ENABLED: 'true',
    DB_HOST: '127.0.0.1', DB_PORT: String(dbPort), DB_NAME: 'employees', DB_USER: 'dept', DB_PASSWORD, DB_MIGRATE: 'true',
    REDIS_MODE: 'single', REDIS_URL: redis.url, CPU_PROF_DIR: profDir,
  });
  const bareUrl = `http://127.0.0.1:${barePort}`;
  const deptUrl = `http://127.0.0.1:${deptPort}`;
  for (const [c, url, path] of [[bare, bareUrl, '/v1/departments'], [dept, deptUrl, '/health/ready']]) {
    await waitFor(`${c.name} on ${url}`, async () => {
      if (c.exitCode !== null) throw new Error(`${c.name} exited: ${c.log()}`);
      const res = await fetch(url + path, { signal: AbortSignal.timeout(1000) }).catch(() => null);
      return res !== null && (c === bare || res.status === 200);
    }, 60_000, 200);
  }
  // 10 rows, as the study's default GET; the cache filled through dept-api; both must send the same bytes.
  await fetch(`${deptUrl}/api/departments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"deptNo":"d010","deptName":"Probe Ten"}' });
  const a = await (await fetch(`${deptUrl}/v1/departments`)).text();
  const b = await (await fetch(`${bareUrl}/v1/departments`)).text();
  if (a !== b) throw new Error(`different answers: ${a.length} vs ${b.length} bytes`);
  const rows = JSON.parse(a).length;
  if (profile) console.log(`profiles: bare pid ${bare.pid}, dept-api pid ${dept.pid}, <pid>-<n>.cpuprofile in ${profDir}`);
  console.log(`pinned: servers core ${serverCore}, redis core ${redisCore}, load core ${loadCore}; ${rows} rows (${a.length} B); ${connections} connections, ${rounds} x ${duration} s`);
  // Warm-up: JIT both servers on every route before the first measured round.
  for (const route of routes) for (const url of [bareUrl, deptUrl]) await load(url, route).catch((e) => console.error(e.message));

  const runs = [];
  for (let round = 1; round <= rounds; round++) {
    for (const route of routes) {
      const order = round % 2 ? [['bare', bare, bareUrl], ['dept', dept, deptUrl]] : [['dept', dept, deptUrl], ['bare', bare, bareUrl]];
      for (const [target, child, url] of order) {
        if (profile) child.kill('SIGWINCH');
        const c0 = cpuMs(child.pid);
        const r0 = cpuMs(redis.pid);
        const res = await load(url, route);
        const cpu = cpuMs(child.pid) - c0;
        const rcpu = cpuMs(redis.pid) - r0;
        if (profile) child.kill('SIGWINCH');
        const run = { round, route, target, pid: child.pid, ...res, serverCpuMs: cpu, usPerReq: (cpu * 1000) / res.ok, redisUsPerReq: (rcpu * 1000) / res.ok };
        runs.push(run);
        console.log(`round ${round} ${route} ${target.padEnd(4)} ${Math.round(res.rps)} rps  ${run.usPerReq.toFixed(1)} µs/req (redis ${run.redisUsPerReq.toFixed(1)})  p99 ${res.p99Ms} ms  non2xx ${res.non2xx} err ${res.errors}  loadgen ${res.loadGenCpuPct}%`);
        await sleep(300);
      }
    }
  }
  const summary = {};
  for (const route of routes) {
    const of = (t, k) => runs.filter((r) => r.route === route && r.target === t).map((r) => r[k]);
    const paired = (k) => runs.filter((r) => r.route === route && r.target === 'dept').map((d) => d[k] / runs.find((x) => x.route === route && x.target === 'bare' && x.round === d.round)[k]);
    summary[route] = {
      bareRps: stats(of('bare', 'rps')), deptRps: stats(of('dept', 'rps')),
      bareUsPerReq: stats(of('bare', 'usPerReq')), deptUsPerReq: stats(of('dept', 'usPerReq')),
      rpsRatio: stats(paired('rps')), cpuRatio: stats(paired('usPerReq')),
    };
    const s = summary[route];
    const f = (x, d = 0) => `${x.median.toFixed(d)} [${x.min.toFixed(d)}-${x.max.toFixed(d)}]`;
    console.log(`${route}: rps bare ${f(s.bareRps)} dept ${f(s.deptRps)} -> ${f(s.rpsRatio, 3)};  µs/req bare ${f(s.bareUsPerReq, 1)} dept ${f(s.deptUsPerReq, 1)} -> ${f(s.cpuRatio, 3)}`);
  }
  const out = join(DIR, `probe-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(out, JSON.stringify({ argv, serverCore, loadCore, rows, runs, summary, git: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim() }, null, 1));
  console.log(`written ${out}${profile ? `; profiles in ${profDir}` : ''}`);
  await sleep(500);
}

main()
  .catch((err) => {
    console.error('overhead-probe:', err.message);
    for (const c of children) if (c.exitCode !== null) console.error(c.name, c.log().slice(-2000));
    process.exitCode = 1;
  })
  .finally(() => cleanup());
