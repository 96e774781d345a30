#!/usr/bin/env node
// Copies the config files the kustomize configMapGenerators need into the kustomization folders,
// so that plain `kubectl apply -k k8s/overlays/<name>` works: kustomize's default load restrictor
// refuses files outside a kustomization's own folder.
//
// The sources stay the single source of truth (deploy/, k6/, libs/scenarios/src/, also used by
// docker-compose.yml). Each copy lives at `<kustomization>/files/<path in the repo>`, e.g.
// deploy/redis/redis-aof.conf -> k8s/base/files/deploy/redis/redis-aof.conf. Never edit a copy:
// edit the source and run `npm run k8s:sync`. test/deploy fails while a copy differs from its
// source, is missing, or is left over.
//
//   node scripts/sync-k8s-files.js          write the copies, delete stale ones
//   node scripts/sync-k8s-files.js --check  change nothing; exit 1 and list the drift
//   node scripts/sync-k8s-files.js --list   print the plan as JSON [{ source, copy }] (repo paths)
//
// Plain Node, no dependencies.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const FIX = 'npm run k8s:sync';

/** The k6 files k6 loads: .ts, not type declarations or tests (k6/lib/globals.d.ts, *.spec.ts). */
const k6Source = (name) => name.endsWith('.ts') && !/\.(d|spec|test)\.ts$/.test(name);

/**
 * Per kustomization folder (its copies go to `<folder>/files/`): single source files, and folders
 * whose matching files are all copied (not recursive), so a new k6 script is copied without
 * editing this list. A new file must still be named in the folder's kustomization.yaml.
 */
const TARGETS = [
  {
    kustomization: 'k8s/base',
    files: [
      'deploy/mariadb/init/01-departments.sql',
      'deploy/redis/redis-cache.conf',
      'deploy/redis/redis-aof.conf',
      'deploy/redis/redis-always.conf',
      'deploy/redis/redis-ha.conf',
    ],
  },
  { kustomization: 'k8s/components/ha-dynomite', files: ['deploy/dynomite/redis-dyno-1.yml', 'deploy/dynomite/redis-dyno-2.yml'] },
  { kustomization: 'k8s/components/ha-envoy', files: ['deploy/envoy/redis-envoy-1.yaml', 'deploy/envoy/redis-envoy-2.yaml'] },
  { kustomization: 'k8s/components/envoy-prefix-mirror', files: ['deploy/envoy/redis-prefix-envoy.yaml'] },
  { kustomization: 'k8s/components/monitoring', files: ['deploy/grafana/dashboards/redis-ha-lab.json'] },
  {
    kustomization: 'k8s/components/k6',
    dirs: [
      { dir: 'k6', match: k6Source },
      { dir: 'k6/lib', match: k6Source },
      { dir: 'libs/scenarios/src', match: k6Source },
    ],
  },
];


/** Every copy: { source, copy } as repo-relative POSIX paths, sorted by copy. */
function plan(root = ROOT) {
  const out = [];
  for (const t of TARGETS) {
    const sources = [...(t.files ?? [])];
    for (const { dir, match } of t.dirs ?? []) {
      const abs = path.join(root, dir);
      if (!fs.existsSync(abs)) continue;
      for (const e of fs.readdirSync(abs, { withFileTypes: true })) if (e.isFile() && match(e.name)) sources.push(`${dir}/${e.name}`);
    }
    for (const source of sources) out.push({ source, copy: `${t.kustomization}/files/${source}` });
  }
  return out.sort((a, b) => a.copy.localeCompare(b.copy));
}

/** The `files/` folders this script owns. */
const filesDirs = () => TARGETS.map((t) => `${t.kustomization}/files`);

/** Every file under the owned `files/` folders, repo-relative. */
function existingCopies(root = ROOT) {
  const out = [];
  const walk = (rel) => {
    const abs = path.join(root, rel);
    if (!fs.existsSync(abs)) return;
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else out.push(r);
    }
  };
  for (const d of filesDirs()) walk(d);
  return out.sort();
}

/** Drift: copies missing or not byte-identical to their source, and files no source explains. */
function check(root = ROOT) {
  const problems = [];
  const items = plan(root);
  for (const { source, copy } of items) {
    const src = path.join(root, source);
    const dst = path.join(root, copy);
    if (!fs.existsSync(src)) problems.push(`${source}: source missing (named in scripts/sync-k8s-files.js)`);
    else if (!fs.existsSync(dst)) problems.push(`${copy}: missing copy of ${source}`);
    else if (!fs.readFileSync(src).equals(fs.readFileSync(dst))) problems.push(`${copy}: differs from ${source}`);
  }
  const planned = new Set(items.map((i) => i.copy));
  for (const f of existingCopies(root)) if (!planned.has(f)) problems.push(`${f}: stale, no source in scripts/sync-k8s-files.js`);
  return problems;
}

/** Writes the copies that differ and deletes stale ones; returns what changed. */
function sync(root = ROOT) {
  const changed = [];
  const items = plan(root);
  for (const { source, copy } of items) {
    const src = path.join(root, source);
    const dst = path.join(root, copy);
    if (!fs.existsSync(src)) throw new Error(`${source}: source missing (named in scripts/sync-k8s-files.js)`);
    const data = fs.readFileSync(src);
    if (fs.existsSync(dst) && fs.readFileSync(dst).equals(data)) continue;
    fs.mkdirSync(path.dirname(dst), { recursive: true });
    fs.writeFileSync(dst, data);
    changed.push(`wrote   ${copy}`);
  }
  const planned = new Set(items.map((i) => i.copy));
  for (const f of existingCopies(root)) {
    if (planned.has(f)) continue;
    fs.unlinkSync(path.join(root, f));
    changed.push(`removed ${f}`);
  }
  // Drop folders the removals emptied (deepest first).
  const dirs = new Set();
  for (const d of filesDirs()) {
    const walk = (rel) => {
      const abs = path.join(root, rel);
      if (!fs.existsSync(abs)) return;
      dirs.add(rel);
      for (const e of fs.readdirSync(abs, { withFileTypes: true })) if (e.isDirectory()) walk(`${rel}/${e.name}`);
    };
    walk(d);
  }
  for (const d of [...dirs].sort((a, b) => b.length - a.length)) {
    const abs = path.join(root, d);
    if (fs.readdirSync(abs).length === 0) fs.rmdirSync(abs);
  }
  return changed;
}

module.exports = { plan, check, sync, FIX, TARGETS };

if (require.main === module) {
  const arg = process.argv[2];
  if (arg === '--list') {
    process.stdout.write(`${JSON.stringify(plan(), null, 2)}\n`);
  } else if (arg === '--check') {
    const problems = check();
    if (problems.length) {
      console.error(`k8s file copies out of date (${problems.length}); run \`${FIX}\`:\n  ${problems.join('\n  ')}`);
      process.exit(1);
    }
    console.log(`k8s file copies up to date (${plan().length} files)`);
  } else if (arg === undefined) {
    const changed = sync();
    for (const c of changed) console.log(c);
    console.log(`k8s file copies: ${changed.length ? `${changed.length} change(s)` : 'already up to date'} (${plan().length} files)`);
  } else {
    console.error('usage: node scripts/sync-k8s-files.js [--check | --list]');
    process.exit(2);
  }
}
