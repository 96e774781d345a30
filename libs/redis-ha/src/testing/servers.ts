// Test support: real redis-server processes on free loopback ports, in a throwaway folder.
import Redis from 'ioredis';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisServer, RedisServerOptions, freePort } from '@app/procs';

export interface TestRedisOptions {
  persistence?: RedisServerOptions['persistence'];
  /** requirepass only (no masterauth), so a bootstrap must set masterauth itself. */
  requirepass?: string;
  /** Redis waits this long before a diskless full sync (default 0 here; Redis's own default is 5). */
  disklessSyncDelaySec?: number;
  extra?: string[];
}

export async function startRedis(name: string, o: TestRedisOptions = {}): Promise<RedisServer> {
  const base = process.env.TEST_RUN_DIR ?? tmpdir();
  const server = new RedisServer({
    name,
    port: await freePort(),
    dir: mkdtempSync(join(base, `ha-${name}-`)),
    persistence: o.persistence ?? 'none',
    extra: [
      '--repl-diskless-sync-delay', String(o.disklessSyncDelaySec ?? 0),
      ...(o.requirepass ? ['--requirepass', o.requirepass] : []),
      ...(o.extra ?? []),
    ],
  });
  await server.start();
  return server;
}

/** A plain client for test setup and assertions, talking to one node directly. */
export function directClient(server: RedisServer, password?: string, username?: string): Redis {
  const client = new Redis({ host: '127.0.0.1', port: server.port, password, username, maxRetriesPerRequest: 1, enableOfflineQueue: true, retryStrategy: () => 100 });
  client.on('error', () => undefined);
  return client;
}

export function urlOf(server: RedisServer): string {
  return `redis://127.0.0.1:${server.port}`;
}

/** Writes `count` string keys `prefix:i` in pipelined batches. */
export async function fill(client: Redis, prefix: string, count: number, value = (i: number) => `v${i}`): Promise<void> {
  for (let i = 0; i < count; i += 1000) {
    const p = client.pipeline();
    for (let j = i; j < Math.min(count, i + 1000); j++) p.set(`${prefix}:${j}`, value(j));
    await p.exec();
  }
}
