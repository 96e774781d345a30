// The study's runs as bench subcommands: matrix, kill, stress, redis-benchmark, api-overhead and
// study. Each checks its input and the stack before it measures, prints progress while it runs,
// and writes results/<run-id>/ only when it has finished.
import { Command } from 'commander';
import { PROFILES, PROFILE_NAMES } from '@app/scenarios';
import type { Profile } from '@app/scenarios';
import { cellsOption, choiceOption, intOption, profileOption } from '../cli/options';
import { runMatrix } from '../runs/matrix';
import type { MatrixKind } from '../runs/matrix';
import { runKill } from '../runs/kill';
import { runStress } from '../runs/stress';
import { runRedisBenchmark } from '../runs/redis-benchmark';
import { runApiLayers } from '../runs/api-layers';
import { DEFAULT_OVERHEAD_OPTIONS, DEFAULT_REDIS_PLACEMENT, REDIS_PLACEMENTS, runApiOverhead } from '../runs/api-overhead';
import { LOAD_GENERATORS } from '../runs/wrk';
import type { OverheadLoadGenerator } from '../runs/wrk';
import type { RedisPlacement } from '../results';
import { runStudy } from '../runs/study';
import { runScale } from '../runs/scale';

const restartDelayOption = (cmd: Command, help: string) => cmd.option('--restart-delay <s>', help, intOption('--restart-delay', 0, 120));

export function registerRuns(program: Command): void {
  profileOption(
    cellsOption(
      program
        .command('matrix')
        .description("the study's GET or POST matrix on the running stack (`stack up --replicas 2` first): vUser x rows x replicas x mariadb/redis/redis-aof/redis-always")
        .argument('<kind>', 'get or post', choiceOption('<kind>', ['get', 'post'] as const)),
    ),
  ).action((kind: MatrixKind, o: { profile: Profile; cells?: string }) => runMatrix(kind, o.profile, o.cells));

  restartDelayOption(
    profileOption(
      cellsOption(
        program
          .command('kill')
          .description('the instance-kill test per Redis variant (GET and POST): SIGKILL the Redis at the scaled 1:40, start it again after the restart delay; TPS per second, dip, recovery, acknowledged vs present writes'),
      ),
    ),
    "seconds between the SIGKILL and the restart (the Deployment re-creating the pod; default: the profile's)",
  ).action((o: { profile: Profile; cells?: string; restartDelay?: number }) => runKill(o.profile, o.cells, o.restartDelay));

  profileOption(
    cellsOption(
      program
        .command('stress')
        .description('the AOF stress test: everysec vs always, Redis limited to 0.1 CPU (cgroups, as root), rows +100 bytes; TPS, errors, peak RSS and used_memory over time'),
    ),
  ).action((o: { profile: Profile; cells?: string }) => runStress(o.profile, o.cells));

  profileOption(
    program
      .command('redis-benchmark')
      .description(
        `redis-benchmark -q --csv -t get,set,lpush,lpop against each Redis variant (-n ${PROFILES.smoke.redisBenchmarkRequests}/${PROFILES.local.redisBenchmarkRequests}/${PROFILES.study.redisBenchmarkRequests} for smoke/local/study), ` +
          'and directly vs through Dynomite when DYNOMITE_BIN is set (DYNOMITE_PEM: its key file)',
      ),
  ).action((o: { profile: Profile }) => runRedisBenchmark(o.profile));

  profileOption(
    program
      .command('api-overhead')
      .description(
        `issue 10: the same autocannon load against a bare Fastify + ioredis handler and dept-api (needs \`stack up --backend redis\`): cached GET /v1/departments at 10 and 1000 rows and POST /api/departmentRedises; ` +
          `servers and load generator pinned to different CPUs where taskset allows, rounds alternated, CPU per request from each server's own CPU time, ` +
          `ratios paired by round with median/min/max (${PROFILE_NAMES.map((p) => `${p}: ${PROFILES[p].apiOverhead.connections} connections x ${PROFILES[p].apiOverhead.durationSec} s x ${PROFILES[p].apiOverhead.rounds} round(s)`).join(', ')})`,
      ),
  )
    .option(
      '--redis-with <side>',
      `the core Redis shares: ${REDIS_PLACEMENTS.join(' or ')}; the servers' is how issue 10 measured (the default); the load generator's leaves the servers' core to the API alone`,
      choiceOption('--redis-with', REDIS_PLACEMENTS),
      DEFAULT_REDIS_PLACEMENT,
    )
    .option(
      '--load-generator <name>',
      `${LOAD_GENERATORS.join(' or ')}: wrk (Debian's package, as issue 10 measured) costs its core a fraction of what autocannon does, which was bound at 1000 rows; autocannon runs in the bench process`,
      choiceOption('--load-generator', LOAD_GENERATORS),
      DEFAULT_OVERHEAD_OPTIONS.loadGenerator,
    )
    .action((o: { profile: Profile; redisWith: RedisPlacement; loadGenerator: OverheadLoadGenerator }) => runApiOverhead(o.profile, { redisWith: o.redisWith, loadGenerator: o.loadGenerator }));

  profileOption(
    program
      .command('api-layers')
      .description(
        "issue 10, what each layer costs (needs `stack up --backend redis`): one dept-api process with extra routes entering its cached read below Nest's router, " +
          'the service, the cache and the executor, and its Redis POST below Nest (router, validation pipe, controller), the repository and the executor, ' +
          'beside the bare floor, measured in turns with wrk (servers and Redis on one core, wrk on another); ' +
          'each layer is the CPU per request of two routes of the same process apart, paired by round, median/min/max (sizes as api-overhead)',
      ),
  ).action((o: { profile: Profile }) => runApiLayers(o.profile));

  profileOption(
    program
      .command('scale')
      .description(
        'issue 10, how cost grows (`stack up` first): cached and MariaDB GET at ' +
          `${PROFILES.local.scale.rows.join('/')} rows beside redis-benchmark GET of the same bytes, HA bootstrap at ${PROFILES.local.scale.bootstrapKeys.join('/')} keys (local) beside Redis's own full sync; CPU per request`,
      ),
  ).action((o: { profile: Profile }) => runScale(o.profile));

  restartDelayOption(
    profileOption(
      program
        .command('study')
        .description('the main job: stack up (2 replicas), GET and POST matrices, kill, stress, HA write (single, mirrored pair, Dynomite), redis-benchmark, report, stack down; prints where the report is'),
    ),
    "kill test: seconds until the killed Redis is started again (default: the profile's)",
  ).action(async (o: { profile: Profile; restartDelay?: number }) => {
    await runStudy(o.profile, { restartDelaySec: o.restartDelay });
  });
}
