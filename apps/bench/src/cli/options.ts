// Option parsers shared by every command; `--profile` is defined here once.
import { Command, InvalidArgumentError } from 'commander';
import { PROFILE_NAMES } from '@app/scenarios';
import type { Profile } from '@app/scenarios';
import { UserError } from './errors';

export function intOption(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
}

export function choiceOption<T extends string>(name: string, choices: readonly T[]) {
  return (value: string): T => {
    if (!choices.includes(value as T)) throw new InvalidArgumentError(`${name} must be one of ${choices.join(', ')}`);
    return value as T;
  };
}

/**
 * `--profile <name>` (default local): the one option every run takes; every size it selects is in
 * the scenarios library's PROFILES table. `what` adds what the profile sizes in this command.
 */
export function profileOption(cmd: Command, what?: string): Command {
  const help = `smoke (seconds, CI), local (scaled to this machine) or study (the study's vUsers and durations, for a large host)${what ? `: ${what}` : ''}`;
  return cmd.option('--profile <name>', help, choiceOption('--profile', PROFILE_NAMES), 'local' as Profile);
}

/** `--cells <text>`: only the cells whose id contains the text. */
export function cellsOption(cmd: Command): Command {
  return cmd.option('--cells <text>', 'only the cells whose id contains this text (e.g. redis-aof/vu1000)');
}

/** Only loopback: the lab never sends traffic off the machine. */
export function loopbackUrl(name: string) {
  return (value: string): string => {
    let u: URL;
    try {
      u = new URL(value);
    } catch {
      throw new UserError(`${name} must be a redis:// URL, e.g. redis://127.0.0.1:6379`);
    }
    if (u.protocol !== 'redis:') throw new UserError(`${name} must be a redis:// URL`);
    if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(u.hostname) && u.hostname !== 'localhost') throw new UserError(`${name}: only 127.0.0.0/8 hosts are allowed in the lab (got ${u.hostname})`);
    return value;
  };
}
