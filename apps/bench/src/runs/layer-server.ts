// bench api-layers: dept-api itself (createApp, the configuration of the environment, every hook
// and the whole Nest application) with four more GET routes that enter its cached read one layer
// further down each, all serving the same bytes as GET /v1/departments (and three POST routes
// below POST /api/departmentRedises, POST_LAYER_PATHS):
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
import { CacheKeys, DepartmentRedisDto, RepositoryKeys } from '@app/departments';
import { REDIS_EXECUTOR, SingleRedis } from '@app/redis';
import type { RedisExecutor } from '@app/redis';
import { VALIDATION, createApp } from '../../../dept-api/src/bootstrap';
import { FastValidationPipe } from '../../../dept-api/src/common/fast-validation.pipe';
import { DepartmentsService } from '../../../dept-api/src/departments/departments.service';
import { DepartmentCache } from '../../../dept-api/src/departments/department-cache';
import { DepartmentRedisRepository } from '../../../dept-api/src/departments/department-redis.repository';

/** The routes, outermost layer first; `nest` is dept-api's own route. */
export const LAYER_PATHS = {
  nest: '/v1/departments',
  service: '/_layers/service',
  cache: '/_layers/cache',
  executor: '/_layers/executor',
  client: '/_layers/client',
} as const;

/**
 * The POST's routes, the body parsed by dept-api's own JSON parser on every one of them:
 *   /api/departmentRedises        Fastify -> Nest's router -> the validation pipe -> controller -> repository -> executor -> ioredis
 *   /_layers/post/validation      Fastify -> dept-api's validation pipe (FastValidationPipe, dept-api's options) -> DepartmentRedisRepository.save
 *   /_layers/post/repository      Fastify -> DepartmentRedisRepository.save(body) (no Nest router, no validation)
 *   /_layers/post/executor        Fastify -> the executor's apply([hash, sadd]) (what save sends)
 *   /_layers/post/client          Fastify -> ioredis HMSET + HKEYS (+ HDEL of a stale field) + SADD, as the floor
 *   /_layers/post/parser          the same as client, in a plugin context with Fastify's own JSON parser
 *                                 in place of dept-api's (json-body.ts), as the floor parses
 */
export const POST_LAYER_PATHS = {
  nest: '/api/departmentRedises',
  validation: '/_layers/post/validation',
  repository: '/_layers/post/repository',
  executor: '/_layers/post/executor',
  client: '/_layers/post/client',
  parser: '/_layers/post/parser',
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
  // The POST below the controller: no validation runs here, so a body that is not the study's
  // { deptNo, deptName } of strings is refused (400) rather than written.
  const repository = app.get(DepartmentRedisRepository);
  const bodyOf = (body: unknown): { deptNo: string; deptName: string } | null => {
    const b = body as { deptNo?: unknown; deptName?: unknown } | null;
    return b && typeof b.deptNo === 'string' && typeof b.deptName === 'string' ? { deptNo: b.deptNo, deptName: b.deptName } : null;
  };
  const refuse = (reply: FastifyReply) => reply.code(400).header('content-type', JSON_TYPE).send('{"statusCode":400,"message":"deptNo and deptName strings expected"}');
  // The pipe dept-api runs on every body (createApp's global pipe: the same class and options),
  // called as Nest calls it for `@Body() dto: DepartmentRedisDto`; its errors are Nest's 400s.
  const pipe = new FastValidationPipe(VALIDATION);
  fastify.post(POST_LAYER_PATHS.validation, (request, reply) =>
    pipe
      .transform(request.body, { type: 'body', metatype: DepartmentRedisDto, data: undefined })
      .then((dto) => repository.save(dto as DepartmentRedisDto))
      .then(
        (d) => {
          void reply.code(201).send(d);
        },
        (err: { getStatus?: () => number; getResponse?: () => unknown }) => {
          void reply.code(err.getStatus?.() ?? 500).send(err.getResponse?.() ?? { statusCode: 500 });
        },
      ),
  );
  fastify.post(POST_LAYER_PATHS.repository, (request, reply) => {
    const b = bodyOf(request.body);
    if (!b) return refuse(reply);
    return repository.save(b as DepartmentRedisDto).then((d) => {
      void reply.code(201).send(d);
    });
  });
  fastify.post(POST_LAYER_PATHS.executor, (request, reply) => {
    const b = bodyOf(request.body);
    if (!b) return refuse(reply);
    return executor
      .apply([
        { type: 'hash', key: RepositoryKeys.hash(b.deptNo), fields: { deptNo: b.deptNo, deptName: b.deptName } },
        { type: 'sadd', key: RepositoryKeys.set, member: b.deptNo },
      ])
      .then(() => {
        void reply.code(201).send(b);
      });
  });
  const direct = (request: { body: unknown }, reply: FastifyReply) => {
    const b = bodyOf(request.body);
    if (!b) return refuse(reply);
    const hash = RepositoryKeys.hash(b.deptNo);
    return Promise.all([client.hmset(hash, 'deptNo', b.deptNo, 'deptName', b.deptName), client.hkeys(hash), client.sadd(RepositoryKeys.set, b.deptNo)])
      .then(([, present]) => {
        const stale = present.filter((f) => f !== 'deptNo' && f !== 'deptName');
        return stale.length ? client.hdel(hash, ...stale) : 0;
      })
      .then(() => {
        void reply.code(201).send(b);
      });
  };
  fastify.post(POST_LAYER_PATHS.client, direct);
  // The same handler where Fastify's own JSON parser reads the body (what Fastify registers by
  // default, as in the floor: a string, secure-json-parse with the same poisoning rules): the
  // difference to /_layers/post/client is dept-api's parser. Every hook of the root still runs.
  await fastify.register(async (child) => {
    child.removeAllContentTypeParsers();
    child.addContentTypeParser('application/json', { parseAs: 'string' }, child.getDefaultJsonParser('error', 'error'));
    child.post(POST_LAYER_PATHS.parser, direct);
  });
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
