import { Command } from 'commander';
import { registerStack } from './stack';
import { registerRuns } from './runs';
import { registerReport } from './report';
import { registerHa } from './ha';
import { registerVerifyDocs } from './verify-docs';

/** Every bench subcommand; each file registers its own. */
export function registerCommands(program: Command): void {
  registerStack(program);
  registerRuns(program);
  registerReport(program);
  registerHa(program);
  registerVerifyDocs(program);
}
