// HTTP exchanges below fetch's level: any method, path bytes, header or body (node:http), and raw
// bytes over a socket with pauses (net), for the bad-input corpus and the stalled-client checks.
import { request } from 'node:http';
import { connect } from 'node:net';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

function parse(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** One request through node:http (no URL normalisation: the path goes out as written). */
export function send(base: string, method: string, path: string, opts: { headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        // An explicit length: node:http sends a DELETE body with neither length nor chunking.
        headers: { connection: 'close', ...(opts.body !== undefined ? { 'content-length': String(Buffer.byteLength(opts.body)) } : {}), ...opts.headers },
        agent: false,
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parse(text) });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    if (opts.body !== undefined) req.end(opts.body);
    else req.end();
  });
}

export interface RawAnswer {
  /** The status of the first response, or 0 when the server closed without one. */
  status: number;
  text: string;
  json: any;
  /** Whether the server closed the connection before `waitMs`. */
  closed: boolean;
  elapsedMs: number;
}

/**
 * Writes `parts` to a fresh socket, each after its delay, then waits until the server closes the
 * connection or `waitMs` passes. Parts left when the socket closes are not sent.
 */
export function raw(base: string, parts: Array<string | Buffer | { delayMs: number; data: string | Buffer }>, waitMs = 5000): Promise<RawAnswer> {
  const url = new URL(base);
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    let closed = false;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const all = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(all);
      const sep = all.indexOf('\r\n\r\n');
      const text = sep >= 0 ? Buffer.from(all.slice(sep + 4), 'latin1').toString('utf8') : '';
      resolve({ status: m ? Number(m[1]) : 0, text, json: parse(text), closed, elapsedMs: Date.now() - started });
    };
    const timer = setTimeout(finish, waitMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.on('connect', async () => {
      for (const part of parts) {
        if (closed) return;
        if (typeof part === 'object' && !Buffer.isBuffer(part)) {
          await new Promise((r) => setTimeout(r, part.delayMs));
          if (!closed) socket.write(part.data);
        } else socket.write(part);
      }
    });
  });
}

/** Every key and its value, sorted: what "nothing changed in Redis" compares. */
export async function redisState(redis: import('ioredis').default): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const key of (await redis.keys('*')).sort()) {
    const type = await redis.type(key);
    if (type === 'string') out[key] = await redis.get(key);
    else if (type === 'hash') out[key] = await redis.hgetall(key);
    else if (type === 'set') out[key] = (await redis.smembers(key)).sort();
    else out[key] = type;
  }
  return out;
}
