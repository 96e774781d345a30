// The Toxiproxy client against the pinned server (skipped with a message when it is not installed).
import { createConnection, createServer, Server } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@app/procs';
import { toxiproxyBin, ToxiproxyServer, TOXIPROXY_MISSING } from './toxiproxy';

const bin = toxiproxyBin();
const maybe = bin ? describe : describe.skip;
if (!bin) process.stderr.write(`skipping the Toxiproxy client test: ${TOXIPROXY_MISSING}\n`);

/** Sends one line through the port and resolves with the echo and the time it took, or the error. */
function roundTrip(port: number, timeoutMs = 1500): Promise<{ ok: boolean; ms: number; error?: string }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const s = createConnection({ port, host: '127.0.0.1' });
    const done = (ok: boolean, error?: string) => {
      s.destroy();
      resolve({ ok, ms: Date.now() - t0, error });
    };
    s.setTimeout(timeoutMs, () => done(false, 'timeout'));
    s.once('error', (e: NodeJS.ErrnoException) => done(false, e.code ?? e.message));
    s.once('connect', () => s.write('ping\n'));
    s.once('data', (d) => done(d.toString() === 'ping\n'));
  });
}

maybe('ToxiproxyClient', () => {
  let echo: Server;
  let echoPort: number;
  let server: ToxiproxyServer;
  let dir: string;
  let listen: number;

  beforeAll(async () => {
    echo = createServer((s) => s.pipe(s));
    echoPort = await freePort();
    await new Promise<void>((r) => echo.listen(echoPort, '127.0.0.1', r));
    dir = mkdtempSync(join(tmpdir(), 'toxi-'));
    server = new ToxiproxyServer(await freePort(), dir);
    await server.start();
    listen = await freePort();
    await server.client.createProxy({ name: 'echo', listen: `127.0.0.1:${listen}`, upstream: `127.0.0.1:${echoPort}` });
  });

  afterAll(async () => {
    await server?.stop();
    echo?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('forwards through a proxy; disabled refuses; enabled again forwards', async () => {
    expect((await roundTrip(listen)).ok).toBe(true);
    await server.client.setEnabled('echo', false);
    expect(await roundTrip(listen)).toMatchObject({ ok: false, error: 'ECONNREFUSED' });
    await server.client.setEnabled('echo', true);
    expect((await roundTrip(listen)).ok).toBe(true);
  });

  it('latency and timeout toxics, removed one by one or by reset', async () => {
    await server.client.addToxic('echo', { name: 'slow', type: 'latency', attributes: { latency: 300 } });
    const slow = await roundTrip(listen);
    expect(slow.ok).toBe(true);
    expect(slow.ms).toBeGreaterThanOrEqual(280);
    await server.client.removeToxic('echo', 'slow');
    await server.client.addToxic('echo', { name: 'hold', type: 'timeout', attributes: { timeout: 0 } });
    expect(await roundTrip(listen, 800)).toMatchObject({ ok: false, error: 'timeout' });
    expect((await server.client.proxy('echo')).toxics.map((t) => t.name)).toEqual(['hold']);
    await server.client.reset();
    expect((await server.client.proxy('echo')).toxics).toEqual([]);
    expect((await roundTrip(listen)).ok).toBe(true);
  });

  it('reports API errors with the status', async () => {
    await expect(server.client.removeToxic('echo', 'nope')).rejects.toThrow(/HTTP 404/);
  });
});
