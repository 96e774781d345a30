// bench ha <subcommand>: the local HA topologies (up, down) and the study's HA runs. Each
// subcommand parses its options and calls one run; a new HA run registers one more here.
import { Command } from 'commander';
import { PROFILES } from '@app/scenarios';
import type { Profile } from '@app/scenarios';
import { dynomiteBin, DYNOMITE_MISSING } from '@app/procs';
import { UserError } from '../cli/errors';
import { log } from '../cli/log';
import { choiceOption, intOption, loopbackUrl, profileOption } from '../cli/options';
import { HA_KINDS, HaKind, HaNodeId, HaPair, Stack } from '../stack';
import type { HaVariant } from '../results';
import { runHaWrite, WRITE_VARIANTS } from '../runs/ha-write';
import { runHaKill } from '../runs/ha-kill';
import { runHaCommands } from '../runs/ha-commands';
import { runSyncCheck } from '../runs/ha-sync';
import { CHAOS_FAULTS, TOPOLOGIES } from '@app/chaos';
import type { ChaosFault, ChaosProfile, TopologyName } from '@app/chaos';
import { runHaChaos } from '../runs/ha-chaos';

export function registerHa(program: Command): void {
  const ha = program
    .command('ha')
    .description('HA with two standalone Redis: local topologies (mirrored pair, Dynomite pair) with redis-ha-agents, and the study\'s HA runs');

  ha.command('up')
    .description('start an HA topology: two Redis (AOF everysec), a redis-ha-agent beside each, MariaDB and dept-api on it')
    .option('--topology <kind>', `${HA_KINDS.join(' | ')} (dynomite needs DYNOMITE_BIN)`, choiceOption('--topology', HA_KINDS), 'mirrored' as HaKind)
    .option('--mode <mode>', 'mirrored pair: async | sync', choiceOption('--mode', ['async', 'sync'] as const), 'async')
    .option('--no-agents', 'without the agents (the anchors\' own behaviour); the mirrored client then elects by role')
    .option('--keep-data', 'start the Redis with what their folders hold (default: empty)')
    .action(async (o: { topology: HaKind; mode: 'async' | 'sync'; agents: boolean; keepData?: boolean }) => {
      if (o.topology === 'dynomite' && !dynomiteBin()) throw new UserError(DYNOMITE_MISSING);
      const stack = new Stack();
      await new HaPair(stack, log).up({ kind: o.topology, agents: o.agents, mirrorMode: o.mode, empty: !o.keepData });
      for (const s of stack.status().filter((x) => x.name.startsWith('ha-') || x.name.startsWith('dept-ha') || x.name === 'mariadb')) {
        console.log(`${s.name.padEnd(18)} ${s.running ? 'up  ' : 'DOWN'}  ${s.url}  (log ${s.logFile})`);
      }
    });

  ha.command('chaos')
    .description('fault runs (issue 8): N dept-api replicas on each topology through Toxiproxy, a seeded fault schedule, a JSONL history, a checker (lost / one-node / differing keys, convergence, stale reads, failures) and a report')
    .option('--topology <name...>', `topologies (${TOPOLOGIES.join(', ')}; default all but dynomite, and dynomite too when DYNOMITE_BIN is set)`, `mirrored-async mirrored-sync sentinel single${process.env.DYNOMITE_BIN ? ' dynomite' : ''}`)
    .option('--faults <name...>', `one run per fault (${CHAOS_FAULTS.join(', ')})`)
    .option('--replicas <n>', 'dept-api replicas', intOption('--replicas', 1, 8), 2)
    .option('--seed <n>', 'PRNG seed (schedule, targets, workload)', intOption('--seed', 0, 2 ** 31 - 1), 1)
    .option('--duration <sec>', 'workload length per run (default by profile: smoke 10, local 15; mixed runs twice that)', intOption('--duration', 5, 600))
    .option('--rate <n>', 'total requests per second (default by profile: smoke 120, local 200)', intOption('--rate', 1, 2000))
    .option('--profile <name>', 'smoke | local', choiceOption('--profile', ['smoke', 'local'] as const), 'smoke' as ChaosProfile)
    .option('--lanes <n>', 'topologies run side by side, each with its own toxiproxy-server (default by profile: smoke 1, local 2)', intOption('--lanes', 1, 4))
    .option('--preload <keys>', 'keys of 64 bytes written to every node before the workload (convergence by dataset size)', intOption('--preload', 0, 5_000_000), 0)
    .action(async (o: { topology: string | string[]; faults?: string[]; replicas: number; seed: number; duration?: number; rate?: number; profile: ChaosProfile; lanes?: number; preload: number }) => {
      const topologies = (Array.isArray(o.topology) ? o.topology : o.topology.split(/[\s,]+/)).flatMap((t) => t.split(',')).filter(Boolean);
      for (const t of topologies) if (!TOPOLOGIES.includes(t as TopologyName)) throw new UserError(`--topology: unknown ${t} (one of ${TOPOLOGIES.join(', ')})`);
      const faults = (o.faults ?? [...CHAOS_FAULTS]).flatMap((f) => f.split(',')).filter(Boolean);
      for (const f of faults) if (!CHAOS_FAULTS.includes(f as ChaosFault)) throw new UserError(`--faults: unknown ${f} (one of ${CHAOS_FAULTS.join(', ')})`);
      const r = await runHaChaos({ topologies: topologies as TopologyName[], faults: faults as ChaosFault[], replicas: o.replicas, seed: o.seed, profile: o.profile, durationSec: o.duration, rate: o.rate, lanes: o.lanes, preloadKeys: o.preload });
      console.log(r.reportFile ?? r.dir);
    });

  ha.command('down')
    .description('stop the HA topology (dept-api, agents, Dynomite, the two Redis); MariaDB is left to `stack down`')
    .action(async () => {
      const n = await new HaPair(new Stack(), log).down();
      log(n ? `stopped ${n} HA service(s)` : 'no HA service to stop');
    });

  profileOption(
    ha.command('write').description('the study\'s HA table: write-only TPS / acknowledged writes / sync for a single Redis, the mirrored pair (async, sync) and Dynomite'),
    'vUsers = study x 1/250, 1/20, 1',
  )
    .option('--vusers <n...>', 'only these study vUser rows (1000 2000 3000)')
    .option('--variant <name...>', `only these (${WRITE_VARIANTS.join(', ')})`)
    .option('--duration <sec>', 'override the cell length in seconds', intOption('--duration', 2, 600))
    .option('--rounds <n>', 'rounds of the interleaved variants (default: smoke 1, local and study 3)', intOption('--rounds', 1, 10))
    .action(async (o: { profile: Profile; vusers?: string[]; variant?: string[]; duration?: number; rounds?: number }) => {
      const studyVUsers = o.vusers?.map((v) => intOption('--vusers', 1, 100_000)(v));
      const variants = o.variant?.map((v) => choiceOption('--variant', WRITE_VARIANTS)(v)) as HaVariant[] | undefined;
      await runHaWrite({ profile: o.profile, studyVUsers, variants, durationSec: o.duration, rounds: o.rounds });
    });

  profileOption(
    ha.command('kill').description('SIGKILL one node mid read+write run, restart it empty; with and without the agent; then bootstrap time by dataset size'),
    "the kill test's length and vUsers",
  )
    .option('--topology <kind...>', `only these (${HA_KINDS.join(', ')})`)
    .option('--agent <which>', 'with | without | both', choiceOption('--agent', ['with', 'without', 'both'] as const), 'both')
    .option('--node <a|b>', 'the node killed (a = the one dept-api uses first)', choiceOption('--node', ['a', 'b'] as const), 'a')
    .option('--sizes <n...>', `bootstrap dataset sizes (default by profile: smoke ${PROFILES.smoke.ha.bootstrapKeys.join('/')}, local and study ${PROFILES.local.ha.bootstrapKeys.join('/')})`)
    .option('--no-bootstrap', 'skip the bootstrap-by-size part')
    .option('--bootstrap-only', 'only the bootstrap-by-size part')
    .option('--rounds <n>', 'rounds of the interleaved kill variants (default: smoke 1, local and study 3)', intOption('--rounds', 1, 10))
    .action(async (o: { profile: Profile; topology?: string[]; agent: 'with' | 'without' | 'both'; node: HaNodeId; sizes?: string[]; bootstrap: boolean; bootstrapOnly?: boolean; rounds?: number }) => {
      const kinds = o.topology?.map((k) => choiceOption('--topology', HA_KINDS)(k)) as HaKind[] | undefined;
      const sizes = o.bootstrap ? o.sizes?.map((s) => intOption('--sizes', 1, 10_000_000)(s)) : [];
      await runHaKill({
        profile: o.profile,
        kinds,
        agents: o.agent === 'both' ? [true, false] : [o.agent === 'with'],
        node: o.node,
        bootstrapSizes: sizes,
        skipKill: o.bootstrapOnly,
        rounds: o.rounds,
      });
    });

  profileOption(
    ha.command('commands').description('what KEYS, HELLO, INFO, FLUSHALL, MULTI/EXEC and a multi-field HSET answer: direct, mirrored client, Dynomite'),
    'recorded with the results (the probes are the same for every profile)',
  ).action((o: { profile: Profile }) => runHaCommands(o.profile));

  ha.command('sync-check')
    .description('the study\'s "Sync" column: compare two Redis keyspaces with SCAN (never KEYS), with a sample of differing keys')
    .option('--a <url>', 'first node (default: the local pair\'s node a)', loopbackUrl('--a'))
    .option('--b <url>', 'second node (default: the local pair\'s node b)', loopbackUrl('--b'))
    .option('--match <pattern>', 'SCAN MATCH pattern', '*')
    .option('--sample <n>', 'differing keys to list', intOption('--sample', 0, 1000), 20)
    .option('--save', 'also write results/<run-id>/ with the report')
    .action((o: { a?: string; b?: string; match: string; sample: number; save?: boolean }) => runSyncCheck(o));
}
