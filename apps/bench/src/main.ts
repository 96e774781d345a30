import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { installSignalHandlers, runCleanups } from './cli/abort';
import { DynomiteSetupError, MissingBinaryError, PortInUseError } from '@app/procs';
import { UserError } from './cli/errors';
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
    // Errors whose message says what to do: one line, no stack trace.
    const known = err instanceof UserError || err instanceof MissingBinaryError || err instanceof PortInUseError || err instanceof DynomiteSetupError || err instanceof StackError;
    console.error(`bench: ${(err as Error).message}`);
    if (!known) console.error((err as Error).stack);
    process.exit(known ? 2 : 1);
  }
}

void main(process.argv);
