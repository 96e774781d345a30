// A typed client for Toxiproxy's HTTP API (v2.12.0) and the server process. Only what the fault
// runs use: proxies (create, enable/disable, delete), toxics (add, remove) and reset.
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { waitFor } from '@app/async';
import { assertPortFree, findBinary, isAlive, readPid, spawnDaemon, stopPid } from '@app/procs';

export interface ProxyConfig {
  name: string;
  /** host:port the proxy listens on (loopback). */
  listen: string;
  /** host:port it forwards to. */
  upstream: string;
  enabled?: boolean;
}

export interface ProxyInfo extends Required<ProxyConfig> {
  toxics: Toxic[];
}

export type ToxicStream = 'upstream' | 'downstream';

interface ToxicBase {
  name?: string;
  /** upstream = client to server, downstream = server to client (Toxiproxy's default). */
  stream?: ToxicStream;
  /** Chance (0-1) that a connection gets the toxic; default 1. */
  toxicity?: number;
}

/** The toxics the fault runs use, with their attributes (Toxiproxy README). */
export type Toxic =
  | (ToxicBase & { type: 'latency'; attributes: { latency: number; jitter?: number } })
  | (ToxicBase & { type: 'timeout'; attributes: { timeout: number } })
  | (ToxicBase & { type: 'reset_peer'; attributes: { timeout: number } })
  | (ToxicBase & { type: 'limit_data'; attributes: { bytes: number } });

export class ToxiproxyError extends Error {}

export class ToxiproxyClient {
  constructor(readonly url: string, private readonly timeoutMs = 5000) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers: body === undefined ? undefined : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new ToxiproxyError(`toxiproxy ${method} ${path}: ${(err as Error).message}`);
    }
    const text = await res.text();
    if (!res.ok) throw new ToxiproxyError(`toxiproxy ${method} ${path}: HTTP ${res.status} ${text.trim()}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async version(): Promise<string> {
    const res = await fetch(`${this.url}/version`, { signal: AbortSignal.timeout(this.timeoutMs) });
    return (await res.text()).trim();
  }

  createProxy(p: ProxyConfig): Promise<ProxyInfo> {
    return this.call('POST', '/proxies', { enabled: true, ...p });
  }

  proxies(): Promise<Record<string, ProxyInfo>> {
    return this.call('GET', '/proxies');
  }

  proxy(name: string): Promise<ProxyInfo> {
    return this.call('GET', `/proxies/${encodeURIComponent(name)}`);
  }

  /** Disabled = the listener is closed and every open connection dropped (the "down" fault). */
  setEnabled(name: string, enabled: boolean): Promise<ProxyInfo> {
    return this.call('POST', `/proxies/${encodeURIComponent(name)}`, { enabled });
  }

  deleteProxy(name: string): Promise<void> {
    return this.call('DELETE', `/proxies/${encodeURIComponent(name)}`);
  }

  addToxic(proxy: string, toxic: Toxic): Promise<Toxic> {
    return this.call('POST', `/proxies/${encodeURIComponent(proxy)}/toxics`, { stream: 'downstream', toxicity: 1, ...toxic });
  }

  removeToxic(proxy: string, toxicName: string): Promise<void> {
    return this.call('DELETE', `/proxies/${encodeURIComponent(proxy)}/toxics/${encodeURIComponent(toxicName)}`);
  }

  /** Re-enables every proxy and removes every toxic. */
  reset(): Promise<void> {
    return this.call('POST', '/reset');
  }

  /** Deletes every proxy (between runs). */
  async deleteAll(): Promise<void> {
    for (const name of Object.keys(await this.proxies())) await this.deleteProxy(name);
  }
}

/** The repository root, from libs/chaos/src under ts-jest or dist/libs/chaos/src after the build. */
export const REPO_ROOT = resolve(__dirname, __dirname.includes(join('dist', 'libs')) ? '../../../..' : '../../..');

export const TOXIPROXY_MISSING =
  'toxiproxy-server not found: run `bash scripts/install-toxiproxy.sh` (needs Go; `npm test` and `npm run bench` do it), or set TOXIPROXY_BIN';

/** TOXIPROXY_BIN, else the pinned one under .run/bin, else one on PATH; null when none. */
export function toxiproxyBin(): string | null {
  if (process.env.TOXIPROXY_BIN) return process.env.TOXIPROXY_BIN;
  const pinned = join(REPO_ROOT, '.run', 'bin', 'toxiproxy-server');
  if (existsSync(pinned)) return pinned;
  return findBinary('toxiproxy-server') ?? null;
}

/** One toxiproxy-server process on loopback, its pid and log under `dir`. */
export class ToxiproxyServer {
  readonly client: ToxiproxyClient;

  constructor(readonly port: number, readonly dir: string) {
    this.client = new ToxiproxyClient(`http://127.0.0.1:${port}`);
  }

  get pidFile(): string {
    return join(this.dir, 'toxiproxy.pid');
  }

  get logFile(): string {
    return join(this.dir, 'toxiproxy.log');
  }

  get pid(): number | undefined {
    return readPid(this.pidFile);
  }

  async start(): Promise<number> {
    const bin = toxiproxyBin();
    if (!bin) throw new ToxiproxyError(TOXIPROXY_MISSING);
    await assertPortFree(this.port, 'toxiproxy');
    mkdirSync(this.dir, { recursive: true });
    const pid = spawnDaemon(bin, ['-host', '127.0.0.1', '-port', String(this.port)], {
      logFile: this.logFile,
      pidFile: this.pidFile,
      env: { PATH: process.env.PATH, LOG_LEVEL: 'warn' },
    });
    await waitFor(`toxiproxy on 127.0.0.1:${this.port} (log: ${this.logFile})`, async () => {
      if (!isAlive(pid)) throw new ToxiproxyError(`toxiproxy-server exited at start; see ${this.logFile}`);
      return (await this.client.version()).length > 0;
    }, 15_000, 100);
    return pid;
  }

  async stop(): Promise<void> {
    await stopPid(this.pid, 'SIGTERM', 5000);
  }
}
