// preloadNodes against real redis-servers: the same keys on every writable node, a replica filled
// by replication, and the preload still there after a kill -9 and a restart with the AOF.
import Redis from 'ioredis';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisServer, freePort } from '@app/procs';
import { PRELOAD_PREFIX, preloadNodes } from './preload';

jest.setTimeout(60_000);

const servers: RedisServer[] = [];
const clients: Redis[] = [];
async function redis(name: string): Promise<RedisServer> {
  const s = new RedisServer({ name, port: await freePort(), dir: mkdtempSync(join(process.env.TEST_RUN_DIR ?? tmpdir(), `preload-${name}-`)), persistence: 'everysec' });
  await s.start({ empty: true });
  servers.push(s);
  return s;
}
function client(s: RedisServer): Redis {
  const c = new Redis({ host: '127.0.0.1', port: s.port, maxRetriesPerRequest: 1 });
  clients.push(c);
  return c;
}
const url = (s: RedisServer) => `redis://127.0.0.1:${s.port}`;

afterAll(async () => {
  clients.forEach((c) => c.disconnect());
  await Promise.all(servers.map((s) => s.kill()));
});

it('writes the same keys on two masters, and a restart with the AOF keeps them', async () => {
  const [a, b] = [await redis('a'), await redis('b')];
  await preloadNodes([url(a), url(b)], 25_000);
  for (const s of [a, b]) {
    expect(await client(s).dbsize()).toBe(25_000);
    expect(await client(s).get(`${PRELOAD_PREFIX}24999`)).toHaveLength(64);
  }
  await b.kill();
  await b.start();
  expect(await client(b).dbsize()).toBe(25_000);
});

it('fills a replica through its master, without writing to it', async () => {
  const [m, r] = [await redis('m'), await redis('r')];
  await client(r).call('REPLICAOF', '127.0.0.1', String(m.port));
  await preloadNodes([url(m), url(r)], 5_000);
  expect(await client(r).dbsize()).toBe(5_000);
  expect(await client(m).dbsize()).toBe(5_000);
});
