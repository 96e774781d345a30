import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { MissingBinaryError, PortInUseError } from '@app/procs';
import { UserError, installSignalHandlers, runCleanups } from './cli-kit';
import { registerCommands } from './commands';
import { StackError } from './stack';

async function main(argv: string[]): Promise<void> {
  const program = new Command('bench')
    .description('Runs the study "Redis HA with standalone" on this machine: stack, load matrices, kill, stress, redis-benchmark, HA, reports')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerCommands(program);
  installSignalHandlers();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    await runCleanups();
    if (err instanceof CommanderError) process.exit(err.exitCode);
    const known = err instanceof UserError || err instanceof MissingBinaryError || err instanceof PortInUseError || err instanceof StackError;
    console.error(`bench: ${(err as Error).message}`);
    if (!known) console.error((err as Error).stack);
    process.exit(known ? 2 : 1);
  }
}

void main(process.argv);
