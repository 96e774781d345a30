#!/usr/bin/env node
// Removes compiled files whose TypeScript source is gone (a file moved or deleted). tsc never
// deletes outputs, and Node resolves `./tables` to a stale `tables.js` before `tables/index.js`:
// after a reorganisation an incremental build would otherwise run yesterday's code.
'use strict';
const { existsSync, readdirSync, rmSync, rmdirSync } = require('node:fs');
const { join, relative } = require('node:path');

const ROOT = join(__dirname, '..');
const DIST = join(ROOT, 'dist');
const OUTPUT = /\.(js|js\.map|d\.ts|d\.ts\.map)$/;
let removed = 0;

function prune(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      prune(p);
      if (readdirSync(p).length === 0) rmdirSync(p);
      continue;
    }
    if (!OUTPUT.test(entry.name)) continue;
    const source = join(ROOT, relative(DIST, p)).replace(OUTPUT, '');
    if (!existsSync(`${source}.ts`) && !existsSync(`${source}.js`)) {
      rmSync(p);
      removed++;
    }
  }
}

for (const top of ['apps', 'libs', 'test', 'scripts', 'tools']) {
  if (existsSync(join(DIST, top))) prune(join(DIST, top));
}
if (removed) console.log(`prune-dist: removed ${removed} compiled file(s) whose source is gone`);
