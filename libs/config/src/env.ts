import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

/** A configuration error that names the variable and what it should be. */
export class ConfigError extends Error {}

/**
 * Validates `process.env` against a class-validator class and returns the typed values, so a
 * wrong variable fails at boot with a message that names it.
 */
export function readEnv<T extends object>(cls: new () => T, env: NodeJS.ProcessEnv = process.env): T {
  const instance = plainToInstance(cls, env, { enableImplicitConversion: true, exposeDefaultValues: true });
  const errors = validateSync(instance, { skipMissingProperties: false, whitelist: false });
  if (errors.length > 0) {
    const lines = errors.map((e) => {
      const what = Object.values(e.constraints ?? {}).join('; ');
      return `${e.property}=${JSON.stringify(e.value)}: ${what}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return instance;
}
