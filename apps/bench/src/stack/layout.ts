import { join, resolve } from 'node:path';
import { BACKENDS } from '@app/scenarios';
import type { Backend } from '@app/scenarios';

/** The repository root (works from src/ under ts and from dist/ after the build). */
export const REPO_ROOT = resolve(__dirname, __dirname.includes(`${join('dist', 'apps')}`) ? '../../../../..' : '../../../..');


/** The study's three Redis variants, by persistence. */
export const REDIS_VARIANTS = {
  'redis-cache': 'none',
  'redis-aof': 'everysec',
  'redis-always': 'always',
} as const;
export type RedisVariant = keyof typeof REDIS_VARIANTS;

/** Which Redis each dept-api deployment uses (dept-mariadb runs without one). */
export const BACKEND_REDIS: Record<Backend, RedisVariant | null> = {
  mariadb: null,
  redis: 'redis-cache',
  'redis-aof': 'redis-aof',
  'redis-always': 'redis-always',
};

/**
 * Fixed loopback ports, away from the defaults (3306, 6379, 8080) so a lab stack never collides
 * with a system MariaDB or Redis. BENCH_PORT_BASE moves them all.
 */
export function ports(base = Number(process.env.BENCH_PORT_BASE ?? 20000)) {
  return {
    mariadb: base + 3306,
    redis: { 'redis-cache': base + 6379, 'redis-aof': base + 6380, 'redis-always': base + 6381 } as Record<RedisVariant, number>,
    /** dept-<backend> replica r (0-based). */
    api: (backend: Backend, replica: number) => base + 8080 + BACKENDS.indexOf(backend) + 10 * replica,
    ha: {
      redisA: base + 6391,
      redisB: base + 6392,
      agentA: base + 8191,
      agentB: base + 8192,
      api: base + 8180,
      dynA: base + 8102,
      dynB: base + 8202,
      dynPeerA: base + 8101,
      dynPeerB: base + 8201,
      dynStatsA: base + 2222,
      dynStatsB: base + 2223,
      dynApi: base + 8181,
    },
  };
}

export const RUN_DIR = process.env.BENCH_RUN_DIR ?? join(REPO_ROOT, '.run', 'stack');
