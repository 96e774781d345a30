#!/usr/bin/env node
// Makes a fresh machine ready for `npm run study`, `npm run bench` and `npm test`: Node version,
// MariaDB and Redis from Debian's packages, npm packages, the build, (for tests) kustomize and
// tools/envoy-validate, and (for tests and bench) toxiproxy-server and tools/porcupine.
// It installs what it can (as root with apt-get) and otherwise says in one line what is missing.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const { existsSync, statSync, readdirSync, utimesSync } = require('node:fs');
const { join, delimiter } = require('node:path');

const ROOT = join(__dirname, '..');
const purpose = process.argv[2] ?? 'bench';
// wrk: `bench api-overhead`'s load generator (scripts and docs: docs/bench-runs.md).
const APT_PACKAGES = ['mariadb-server', 'mariadb-client', 'redis-server', 'redis-tools', 'wrk'];
const BINARIES = ['redis-server', 'redis-cli', 'redis-benchmark', 'mariadbd', 'mariadb-install-db', 'mariadb', 'wrk'];

function say(line) {
  process.stderr.write(`ensure: ${line}\n`);
}

function fail(line) {
  process.stderr.write(`ensure: ${line}\n`);
  process.exit(1);
}

function onPath(name) {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  return dirs.some((d) => d && existsSync(join(d, name)));
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: ROOT, ...opts });
  if (r.status !== 0) fail(`\`${cmd} ${args.join(' ')}\` failed (exit ${r.status ?? r.signal})`);
}

// 1. Node: NestJS 12 is ESM-only and the built CommonJS code loads it through require(esm).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) fail(`Node ${process.versions.node} is too old: install Node 20.19 or newer (22 LTS is fine)`);

// 2. MariaDB and Redis servers and wrk, from Debian's packages.
const missing = BINARIES.filter((b) => !onPath(b));
if (missing.length) {
  const canApt = process.getuid?.() === 0 && onPath('apt-get');
  if (!canApt) fail(`missing ${missing.join(', ')}: run \`sudo apt-get install -y ${APT_PACKAGES.join(' ')}\``);
  say(`installing ${APT_PACKAGES.join(' ')} (missing: ${missing.join(', ')})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  // policy-rc.d keeps Debian from starting the system services: the lab runs its own.
  run('apt-get', ['install', '-y', '-qq', ...APT_PACKAGES], { env });
  const still = BINARIES.filter((b) => !onPath(b));
  if (still.length) fail(`still missing after apt-get: ${still.join(', ')}`);
}

// 3. npm packages, when node_modules is absent or older than the lock file.
const lock = join(ROOT, 'package-lock.json');
const installed = join(ROOT, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  say('installing npm packages (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

// 4. The build (incremental: fast when nothing changed).
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (entry.name.endsWith('.ts') || entry.name.endsWith('.json')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}
const marker = join(ROOT, 'dist', 'apps', 'bench', 'src', 'main.js');
const sources = Math.max(newestSource(join(ROOT, 'apps')), newestSource(join(ROOT, 'libs')));
if (!existsSync(marker) || statSync(marker).mtimeMs < sources) {
  say('building (tsc)');
  run('npm', ['run', 'build', '--silent']);
  // tsc leaves an output it did not need to change untouched: mark the build as newer than the sources.
  if (existsSync(marker)) utimesSync(marker, new Date(), new Date());
}

// 5. Tests also validate the Kubernetes manifests with a pinned kustomize and the Envoy configs
// with Envoy's own API (tools/envoy-validate), both from the Go module proxy.
if (purpose === 'test') {
  if (!onPath('go')) fail('missing go (needed to install the pinned kustomize and build tools/envoy-validate): install Go 1.26+');
  run('bash', [join(ROOT, 'scripts', 'install-kustomize.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  run('bash', [join(ROOT, 'scripts', 'install-envoy-validate.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });

  // The report's browser check (apps/bench/src/report/report.browser.spec.ts) opens report.html in
  // Debian's chromium, driven by puppeteer-core; installed only when missing.
  if (!['chromium', 'chromium-browser', 'google-chrome'].some(onPath) && !process.env.CHROMIUM_BIN) {
    if (process.getuid?.() === 0 && onPath('apt-get')) {
      say('installing chromium (the report\'s headless browser check)');
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      run('apt-get', ['update', '-qq'], { env });
      run('apt-get', ['install', '-y', '-qq', 'chromium'], { env });
    } else {
      say('chromium missing and not installable here (not root): the report\'s browser check will skip; `sudo apt-get install -y chromium` runs it');
    }
  }
}

// 6. The fault runs (`bench ha chaos`, test/ha-chaos) put Toxiproxy between each app replica and
// each Redis node: a pinned toxiproxy-server from the Go module proxy, like kustomize.
if (purpose === 'test' || purpose === 'bench') {
  if (onPath('go')) {
    run('bash', [join(ROOT, 'scripts', 'install-toxiproxy.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
    // The register linearizability check (Porcupine), optional in the runs but built here.
    run('bash', [join(ROOT, 'scripts', 'install-porcupine.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  } else if (purpose === 'test') {
    fail('missing go (needed to install the pinned toxiproxy-server for the fault runs): install Go 1.26+');
  } else {
    say('go not found: `bench ha chaos` will need toxiproxy-server (install Go, or set TOXIPROXY_BIN)');
  }
}
