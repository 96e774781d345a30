import { ServiceUnavailableException } from '@nestjs/common';

export function redisUnavailable(err: unknown): ServiceUnavailableException {
  return new ServiceUnavailableException(`Redis unavailable: ${(err as Error)?.message ?? String(err)}`);
}

export function databaseUnavailable(err: unknown): ServiceUnavailableException {
  return new ServiceUnavailableException(`MariaDB unavailable: ${(err as Error)?.message ?? String(err)}`);
}
