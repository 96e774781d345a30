import Redis, { RedisOptions } from 'ioredis';

export interface RedisConnectionOptions {
  /** redis://[user:password@]host:port[/db] */
  url: string;
  /** Overrides the password in the URL (comes from a Secret). */
  password?: string;
  username?: string;
  /** Every command fails after this long instead of hanging a request. */
  opTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Opaque label used only in logs (never sent to the server: no CLIENT SETNAME). */
  label?: string;
}

/**
 * ioredis options every proxy in the study accepts (Dynomite and Envoy are picky):
 * RESP2 (ioredis 5 never sends HELLO), no CLIENT SETNAME / SETINFO, no INFO-based ready check,
 * no offline queue (a down server fails a command at once), a command timeout, and a bounded
 * reconnect backoff that never hammers a dead peer.
 */
export function proxySafeOptions(o: RedisConnectionOptions): RedisOptions {
  const parsed = new URL(o.url);
  if (parsed.protocol !== 'redis:') throw new Error(`unsupported Redis URL ${redact(o.url)}: use redis://host:port`);
  const db = parsed.pathname && parsed.pathname !== '/' ? Number(parsed.pathname.slice(1)) : 0;
  return {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
    db,
    username: o.username ?? (parsed.username ? decodeURIComponent(parsed.username) : undefined),
    password: o.password ?? (parsed.password ? decodeURIComponent(parsed.password) : undefined),
    connectionName: undefined,
    disableClientInfo: true,
    enableReadyCheck: false,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    commandTimeout: o.opTimeoutMs ?? 1000,
    connectTimeout: o.connectTimeoutMs ?? 1000,
    lazyConnect: false,
    retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 5), 1000),
  };
}

export function createRedisClient(o: RedisConnectionOptions): Redis {
  const client = new Redis(proxySafeOptions(o));
  // Errors surface on the command that failed; the connection-level event would otherwise be an
  // unhandled 'error' that ioredis prints on every reconnect attempt.
  client.on('error', () => undefined);
  return client;
}

/** The URL with any password replaced, for logs and error messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}

/** Resolves when the client has a live connection, or rejects after `timeoutMs`. */
export function waitUntilReady(client: Redis, timeoutMs = 5000): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(new Error(`Redis not reachable within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', onReady);
  });
}
