// Starts dept-api in-process against the run's MariaDB and a real redis-server of its own, on
// loopback ports, for end-to-end tests over real HTTP and real connections.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { MariaDbServer, RedisServer, freePort } from '@app/procs';
import { createApp } from '../../apps/dept-api/src/bootstrap';

export interface TestApi {
  app: NestFastifyApplication;
  baseUrl: string;
  redis: RedisServer;
  db: DataSource;
  close(): Promise<void>;
}

export function testDatabaseEnv(): Record<string, string> {
  const need = ['TEST_DB_PORT', 'TEST_DB_PASSWORD'];
  for (const n of need) if (!process.env[n]) throw new Error(`${n} is not set: run the tests through jest (test/global-setup.ts starts MariaDB)`);
  return {
    DB_HOST: '127.0.0.1',
    DB_PORT: process.env.TEST_DB_PORT!,
    DB_NAME: process.env.TEST_DB_NAME ?? 'employees',
    DB_USER: process.env.TEST_DB_USER ?? 'dept',
    DB_PASSWORD: process.env.TEST_DB_PASSWORD!,
  };
}

/** The run's shared MariaDB, to stop and start it in outage tests. */
export function testMariaDb(): MariaDbServer {
  return new MariaDbServer({ port: Number(process.env.TEST_DB_PORT), dir: process.env.TEST_DB_DIR!, template: process.env.TEST_DB_TEMPLATE });
}

export async function startTestRedis(name = 'redis'): Promise<RedisServer> {
  const redis = new RedisServer({ name, port: await freePort(), dir: mkdtempSync(join(process.env.TEST_RUN_DIR ?? '/tmp', `${name}-`)) });
  await redis.start();
  return redis;
}

export async function startApi(env: Record<string, string> = {}): Promise<TestApi> {
  const redis = await startTestRedis();
  Object.assign(process.env, {
    APP_NAME: 'dept-test',
    LOG_LEVEL: 'warn',
    REDIS_MODE: 'single',
    REDIS_URL: redis.url,
    REDIS_OP_TIMEOUT_MS: '500',
    BODY_LIMIT_BYTES: '4096',
    ...testDatabaseEnv(),
    ...env,
  });
  const app = await createApp();
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const db = app.get<DataSource>(getDataSourceToken());
  return {
    app,
    baseUrl: `http://127.0.0.1:${port}`,
    redis,
    db,
    async close() {
      await app.close();
      await redis.stop();
    },
  };
}

export async function http(base: string, method: string, path: string, body?: unknown, raw?: string): Promise<{ status: number; json: any; text: string; headers: Headers }> {
  const res = await fetch(base + path, {
    method,
    headers: body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : undefined,
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}
