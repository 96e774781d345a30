import { Command } from 'commander';
import { BACKENDS } from '@app/scenarios';
import type { Backend } from '@app/scenarios';
import { Stack } from '../stack';
import { log } from '../cli/log';
import { choiceOption, intOption } from '../cli/options';

export function registerStack(program: Command): void {
  const stack = program.command('stack').description('the local stack: MariaDB, redis-cache/aof/always and the dept-api deployments as processes under .run/stack');

  stack
    .command('up')
    .description('start MariaDB, the three Redis variants and the four dept-api instances; waits until each is ready')
    .option('--replicas <n>', 'dept-api instances per backend (the study measured 1 and 2)', intOption('--replicas', 1, 2), 1)
    .option('--backend <name...>', `only these deployments (${BACKENDS.join(', ')})`)
    .action(async (opts: { replicas: 1 | 2; backend?: string[] }) => {
      const backends = opts.backend?.map((b) => choiceOption('--backend', BACKENDS)(b)) as Backend[] | undefined;
      const s = new Stack();
      await s.up({ replicas: opts.replicas, backends }, log);
      printStatus(s);
    });

  stack
    .command('down')
    .description('stop everything `stack up` (or a run) started, and nothing else')
    .action(async () => {
      const n = await new Stack().down(log);
      log(n ? `stopped ${n} service(s)` : 'nothing to stop');
    });

  stack
    .command('status')
    .description('what the stack runs and where it listens')
    .action(() => printStatus(new Stack()));
}

function printStatus(s: Stack): void {
  const rows = s.status();
  if (!rows.length) {
    console.log('the stack is not up: run `npm run bench -- stack up`');
    return;
  }
  const width = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) console.log(`${r.name.padEnd(width)}  ${r.running ? 'up  ' : 'DOWN'}  ${r.url}  (pid ${r.pid ?? '-'}, log ${r.logFile})`);
}
