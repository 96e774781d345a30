// The study's runs as bench subcommands: matrix, kill, stress, redis-benchmark, api-overhead and
// study. Each checks its input and the stack before it measures, prints progress while it runs,
// and writes results/<run-id>/ only when it has finished.
import { Command } from 'commander';
import { PROFILE_NAMES } from '@app/scenarios';
import type { Profile } from '@app/scenarios';
import { choiceOption, intOption, log } from '../cli-kit';
import { matrixCells, requiredReplicas, runMatrix } from '../runs/matrix';
import type { MatrixKind } from '../runs/matrix';
import { killCells, runKill } from '../runs/kill';
import { stressCells, runStress } from '../runs/stress';
import { BENCHMARK_REQUESTS, dynomiteSetup, redisBenchmarkBin, runRedisBenchmarks } from '../runs/redis-benchmark';
import { OVERHEAD_SIZES, runApiOverhead } from '../runs/api-overhead';
import { runStudy } from '../runs/study';
import { printWritten, standaloneRun } from '../runs/standalone';

const profileOption = (cmd: Command, def: Profile = 'local') =>
  cmd.option('--profile <name>', `smoke (seconds, CI), local (scaled to this machine) or study (the study's vUsers and durations, for a large host)`, choiceOption('--profile', PROFILE_NAMES), def);
const cellsOption = (cmd: Command) => cmd.option('--cells <text>', 'only the cells whose id contains this text (e.g. redis-aof/vu1000)');

export function registerRuns(program: Command): void {
  profileOption(
    cellsOption(
      program
        .command('matrix')
        .description("the study's GET or POST matrix on the running stack (`stack up --replicas 2` first): vUser x rows x replicas x mariadb/redis/redis-aof/redis-always")
        .argument('<kind>', 'get or post', choiceOption('<kind>', ['get', 'post'] as const)),
    ),
  ).action(async (kind: MatrixKind, opts: { profile: Profile; cells?: string }) => {
    const cells = matrixCells(kind, opts.profile, opts.cells);
    await standaloneRun(`matrix-${kind}`, opts.profile, async (lab, rec) => {
      lab.requireUp([...new Set(cells.map((c) => c.backend))], requiredReplicas(cells));
      log(`${kind.toUpperCase()} matrix, profile ${opts.profile}: ${cells.length} cells`);
      await runMatrix(lab, cells, (r) => rec.cells.push(r));
    });
  });

  profileOption(
    cellsOption(
      program
        .command('kill')
        .description('the instance-kill test per Redis variant (GET and POST): SIGKILL the Redis at the scaled 1:40, start it again after the restart delay; TPS per second, dip, recovery, acknowledged vs present writes'),
    ),
  )
    .option('--restart-delay <s>', 'seconds between the SIGKILL and the restart (the Deployment re-creating the pod; default: the profile\'s)', intOption('--restart-delay', 0, 120))
    .action(async (opts: { profile: Profile; cells?: string; restartDelay?: number }) => {
      const cells = killCells(opts.profile, opts.cells, opts.restartDelay);
      await standaloneRun('kill', opts.profile, async (lab, rec) => {
        lab.requireUp([...new Set(cells.map((c) => c.backend))], 1);
        log(`instance-kill test, profile ${opts.profile}: ${cells.length} cells`);
        await runKill(lab, cells, (r) => rec.cells.push(r));
      });
    });

  profileOption(
    cellsOption(
      program
        .command('stress')
        .description('the AOF stress test: everysec vs always, Redis limited to 0.1 CPU (cgroups, as root), rows +100 bytes; TPS, errors, peak RSS and used_memory over time'),
    ),
  ).action(async (opts: { profile: Profile; cells?: string }) => {
    const cells = stressCells(opts.profile, opts.cells);
    await standaloneRun('stress', opts.profile, async (lab, rec) => {
      lab.requireUp([...new Set(cells.map((c) => c.backend))], 1);
      log(`AOF stress test, profile ${opts.profile}: ${cells.length} cells`);
      await runStress(lab, cells, (r) => rec.cells.push(r));
    });
  });

  profileOption(
    program
      .command('redis-benchmark')
      .description(
        `redis-benchmark -q --csv -t get,set,lpush,lpop against each Redis variant (-n ${BENCHMARK_REQUESTS.smoke}/${BENCHMARK_REQUESTS.local}/${BENCHMARK_REQUESTS.study} for smoke/local/study), ` +
          'and directly vs through Dynomite when DYNOMITE_BIN is set (DYNOMITE_PEM: its key file)',
      ),
  ).action(async (opts: { profile: Profile }) => {
    const bin = redisBenchmarkBin();
    const dynomite = dynomiteSetup();
    await standaloneRun('redis-benchmark', opts.profile, async (lab, rec) => {
      rec.redisBenchmark.push(...(await runRedisBenchmarks(lab, opts.profile, bin, dynomite)));
    });
  });

  profileOption(
    program
      .command('api-overhead')
      .description(
        `issue 2: the same autocannon load against a bare Fastify + ioredis handler and dept-api GET /v1/departments, 10 and 1000 rows ` +
          `(${Object.entries(OVERHEAD_SIZES).map(([p, s]) => `${p}: ${s.connections} connections x ${s.durationSec} s x ${s.rounds} round(s)`).join(', ')}; ratios of the medians)`,
      ),
  ).action(async (opts: { profile: Profile }) => {
    const rec = await standaloneRun('api-overhead', opts.profile, async (lab, r) => {
      r.apiOverhead = await runApiOverhead(lab, opts.profile);
    });
    const o = rec.apiOverhead!;
    for (const m of o.measurements) console.log(`  ${m.target.padEnd(8)} ${String(m.rows).padStart(4)} rows, round ${m.round}: ${Math.round(m.tps)} TPS, p50 ${m.p50Ms} ms, p99 ${m.p99Ms} ms, server CPU ${m.meanMillicores}m`);
    console.log(`  dept-api / bare at 10 rows: ${o.ratios.deptVsBare10 ?? 'n/a'} (target >= ${o.targets.deptVsBare10}: ${o.met.deptVsBare10 ? 'met' : 'missed'})`);
    console.log(`  dept-api / bare at 1000 rows: ${o.ratios.deptVsBare1000 ?? 'n/a'}`);
    console.log(`  dept-api 1000 rows / 10 rows: ${o.ratios.rows1000Vs10 ?? 'n/a'} (target >= ${o.targets.rows1000Vs10}: ${o.met.rows1000Vs10 ? 'met' : 'missed'})`);
  });

  profileOption(
    program
      .command('study')
      .description('the main job: stack up (2 replicas), GET and POST matrices, kill, stress, HA write (single, mirrored pair, Dynomite), redis-benchmark, report, stack down; prints where the report is'),
  )
    .option('--restart-delay <s>', 'kill test: seconds until the killed Redis is started again (default: the profile\'s)', intOption('--restart-delay', 0, 120))
    .action(async (opts: { profile: Profile; restartDelay?: number }) => {
      const out = await runStudy(opts.profile, log, { restartDelaySec: opts.restartDelay });
      printWritten(out.runId, out);
      console.log(`  took ${out.seconds} s`);
    });
}
