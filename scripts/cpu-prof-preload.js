// Preload for profiling a server under load only (node -r ./scripts/cpu-prof-preload.js ...):
// the first SIGWINCH (Nest's shutdown hooks take SIGUSR2) starts V8's CPU profiler (the one behind `node --cpu-prof`), the second writes
// <CPU_PROF_DIR>/<pid>-<n>.cpuprofile. Used by scripts/overhead-probe.js --profile.
'use strict';
const inspector = require('node:inspector');
const { writeFileSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.env.CPU_PROF_DIR || '.';
const interval = Number(process.env.CPU_PROF_INTERVAL_US || 200);
const session = new inspector.Session();
session.connect();
let running = false;
let n = 0;
process.on('SIGWINCH', () => {
  if (!running) {
    session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval }, () => session.post('Profiler.start')));
    running = true;
    return;
  }
  running = false;
  session.post('Profiler.stop', (err, res) => {
    if (err) return console.error('cpu-prof-preload:', err.message);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${process.pid}-${++n}.cpuprofile`), JSON.stringify(res.profile));
  });
});
