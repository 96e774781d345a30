import Redis from 'ioredis';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisServer, freePort, isPortFree, PortInUseError } from '.';

describe('RedisServer', () => {
  it('starts, keeps AOF data across SIGKILL with appendfsync always, and loses it when started empty', async () => {
    const port = await freePort();
    const server = new RedisServer({ name: 'aof', port, dir: mkdtempSync(join(process.env.TEST_RUN_DIR ?? tmpdir(), 'procs-')), persistence: 'always' });
    await server.start();
    const client = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0 });
    client.on('error', () => undefined);
    await client.connect();
    await client.set('k', 'v');
    await server.kill();
    expect(server.running()).toBe(false);
    expect(await isPortFree(port)).toBe(true);
    await server.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(await client.get('k')).toBe('v');
    await server.kill();
    await server.start({ empty: true });
    await new Promise((r) => setTimeout(r, 300));
    expect(await client.get('k')).toBeNull();
    client.disconnect();
    await server.stop();
  });

  it('refuses a port in use with a message that says so', async () => {
    const port = await freePort();
    const a = new RedisServer({ name: 'a', port, dir: mkdtempSync(join(process.env.TEST_RUN_DIR ?? tmpdir(), 'procs-')) });
    await a.start();
    const b = new RedisServer({ name: 'b', port, dir: mkdtempSync(join(process.env.TEST_RUN_DIR ?? tmpdir(), 'procs-')) });
    await expect(b.start()).rejects.toBeInstanceOf(PortInUseError);
    await a.stop();
  });
});
