import { Command } from 'commander';
import { registerStack } from './stack';

/** Every bench subcommand; each file registers its own. */
export function registerCommands(program: Command): void {
  registerStack(program);
}
