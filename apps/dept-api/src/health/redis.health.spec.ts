import { HealthIndicatorService } from '@nestjs/terminus';
import { RedisServer } from '@app/procs';
import { SingleRedis } from '@app/redis';
import { startTestRedis } from '../../../../test/support/api';
import { RedisHealthIndicator } from './redis.health';

let server: RedisServer;
let redis: SingleRedis;

beforeAll(async () => {
  server = await startTestRedis('health-spec');
  redis = new SingleRedis({ url: server.url, opTimeoutMs: 300, connectTimeoutMs: 300 });
  if (redis.client.status !== 'ready') await new Promise((r) => redis.client.once('ready', r));
});

afterAll(async () => {
  await redis?.close();
  await server?.stop();
});

it('is up while the executor answers PING, down (with the topology) when it does not', async () => {
  const indicator = new RedisHealthIndicator(new HealthIndicatorService(), redis);
  expect(await indicator.isHealthy('redis', 500)).toEqual({ redis: expect.objectContaining({ status: 'up', topology: 'single' }) });
  await server.kill();
  expect(await indicator.isHealthy('redis', 500)).toEqual({ redis: expect.objectContaining({ status: 'down', topology: 'single', message: expect.any(String) }) });
});

it('without Redis (REDIS_MODE=none) it is not configured', () => {
  expect(new RedisHealthIndicator(new HealthIndicatorService(), null).configured).toBe(false);
});
