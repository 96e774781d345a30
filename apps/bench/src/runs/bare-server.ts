// The least code that serves GET /v1/departments from the cache: Fastify + ioredis, reading the
// same key dept-api fills and sending the string as is; and the write floor, POST
// /api/departmentRedises doing the same HMSET + HKEYS (+ HDEL of stale fields) + SADD as dept-api
// (libs/redis applyPlain). api-overhead runs it as its own `node`
// process beside dept-api, so the two differ only by what NestJS and dept-api add.
// Usage: node bare-server.js <port> <redis-port> [hook]; prints "ready" once listening; exits when
// its stdin closes (the parent bench process went away), so it never outlives a run. With `hook`,
// the floor gets one Fastify onRequest hook that does nothing but call done() (bench api-layers:
// what having a hook at all costs; NestJS's FastifyAdapter adds seven, dept-api three).
import Fastify from 'fastify';
import Redis from 'ioredis';
// The key only, from the file that has no other import: this process stays bare.
import { CacheKeys, RepositoryKeys } from '../../../../libs/departments/src/department';

const port = Number(process.argv[2]);
const redisPort = Number(process.argv[3]);
const withHook = process.argv[4] === 'hook';
if (!Number.isInteger(port) || !Number.isInteger(redisPort) || (process.argv[4] !== undefined && !withHook)) {
  console.error('usage: node bare-server.js <port> <redis-port> [hook]');
  process.exit(2);
}

// The options dept-api uses for its single Redis: RESP2, no offline queue, a command timeout.
const redis = new Redis({ host: '127.0.0.1', port: redisPort, enableReadyCheck: false, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 1000 });
redis.on('error', () => undefined);

const app = Fastify({ logger: false });
if (withHook) app.addHook('onRequest', (_request, _reply, done) => done());
app.get('/v1/departments', async (_request, reply) => {
  // The bytes as Redis holds them, as dept-api sends them: the baseline does no less work.
  const body = await redis.getBuffer(CacheKeys.findAll);
  if (body === null) return reply.code(503).send({ statusCode: 503, error: 'Service Unavailable', message: 'cache empty: warm it through dept-api first' });
  return reply.header('content-type', 'application/json; charset=utf-8').send(body);
});

// The same commands per save as dept-api's repository (the hash becomes exactly these fields
// without ever being absent: HMSET, HKEYS, HDEL of any field an earlier save left; the id joins the
// set), pipelined on the one connection; no validation: this is the floor.
app.post('/api/departmentRedises', async (request, reply) => {
  const { deptNo, deptName } = request.body as { deptNo: string; deptName: string };
  const key = RepositoryKeys.hash(deptNo);
  const [, present] = await Promise.all([redis.hmset(key, 'deptNo', deptNo, 'deptName', deptName), redis.hkeys(key), redis.sadd(RepositoryKeys.set, deptNo)]);
  const stale = present.filter((f) => f !== 'deptNo' && f !== 'deptName');
  if (stale.length) await redis.hdel(key, ...stale);
  return reply.code(201).send({ deptNo, deptName });
});

const stop = () => {
  void app.close().finally(() => {
    redis.disconnect();
    process.exit(0);
  });
};
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);

app.listen({ port, host: '127.0.0.1' }).then(
  () => process.stdout.write('ready\n'),
  (err: Error) => {
    console.error(`bare-server: ${err.message}`);
    process.exit(1);
  },
);
