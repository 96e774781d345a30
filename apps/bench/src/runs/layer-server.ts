// bench api-layers: dept-api itself (createApp, the configuration of the environment, every hook
// and the whole Nest application) with four more GET routes that enter its cached read one layer
// further down each, all serving the same bytes as GET /v1/departments:
//   /v1/departments          Fastify -> Nest's router -> controller -> service -> cache -> executor -> ioredis
//   /_layers/service         Fastify -> DepartmentsService.findAllCached()
//   /_layers/cache           Fastify -> DepartmentCache.getBytes(key)
//   /_layers/executor        Fastify -> the Redis executor's get(key, 'bytes')
//   /_layers/client          Fastify -> ioredis getBuffer(key)
// Measured in turns on this one process, the differences between two routes are what the layer
// between them costs, with everything else (the process, its hooks, its history, its JIT state)
// the same. The extra routes exist only in this measuring process, never in dept-api.
// Usage: node layer-server.js (dept-api's environment, REDIS_MODE=single); prints "ready" once
// listening; exits when its stdin closes (the parent bench process went away).
import type { FastifyInstance, FastifyReply } from 'fastify';
import { CacheKeys } from '@app/departments';
import { REDIS_EXECUTOR, SingleRedis } from '@app/redis';
import type { RedisExecutor } from '@app/redis';
import { createApp } from '../../../dept-api/src/bootstrap';
import { DepartmentsService } from '../../../dept-api/src/departments/departments.service';
import { DepartmentCache } from '../../../dept-api/src/departments/department-cache';

/** The routes, outermost layer first; `nest` is dept-api's own route. */
export const LAYER_PATHS = {
  nest: '/v1/departments',
  service: '/_layers/service',
  cache: '/_layers/cache',
  executor: '/_layers/executor',
  client: '/_layers/client',
} as const;

const JSON_TYPE = 'application/json; charset=utf-8';

async function main(): Promise<void> {
  if (process.env.REDIS_MODE !== 'single') throw new Error('layer-server measures the single-Redis executor: set REDIS_MODE=single');
  const app = await createApp();
  const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
  const service = app.get(DepartmentsService);
  const cache = app.get(DepartmentCache);
  const executor = app.get<RedisExecutor | null>(REDIS_EXECUTOR);
  if (!(executor instanceof SingleRedis)) throw new Error('layer-server: the executor is not SingleRedis');
  const client = executor.client;
  const key = CacheKeys.findAll;
  // Each route answers as the controller does: the bytes as they are, the same content type; a
  // miss or a Redis error is a 503, so a measure of a broken route cannot pass for a fast one.
  const answer = (reply: FastifyReply) => (body: Buffer | string | null | undefined) => {
    if (!body || body.length === 0) void reply.code(503).header('content-type', JSON_TYPE).send('{"statusCode":503,"message":"cache empty"}');
    else void reply.header('content-type', JSON_TYPE).send(body);
  };
  fastify.get(LAYER_PATHS.service, (_req, reply) => service.findAllCached().then(answer(reply)));
  fastify.get(LAYER_PATHS.cache, (_req, reply) => cache.getBytes(key).then(answer(reply)));
  fastify.get(LAYER_PATHS.executor, (_req, reply) => executor.get(key, 'bytes').then(answer(reply)));
  fastify.get(LAYER_PATHS.client, (_req, reply) => client.getBuffer(key).then(answer(reply)));
  const port = Number(process.env.PORT);
  await app.listen({ port, host: '127.0.0.1' });
  const stop = () => {
    void app.close().finally(() => process.exit(0));
  };
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
  process.stdout.write('ready\n');
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`layer-server: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
