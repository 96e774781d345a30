// bench ha commands: what KEYS, HELLO, INFO, FLUSHALL, MULTI/EXEC and a multi-field HSET answer
// through each path: a Redis directly, the mirrored-pair client, a Dynomite sidecar. Each probe
// runs on a fresh connection with a timeout, so a proxy that closes the connection (Dynomite's
// answer to what it does not support) is a result, not a crash.
import { createConnection } from 'node:net';
import { DEFAULT_MARKER_KEY, MirroredRedis } from '@app/redis-ha';
import type { Profile } from '@app/scenarios';
import type { CommandProbe, ProbeOutcome } from '../results';
import { log } from '../cli/log';
import { dynomiteOrSkip, withHaPair } from '../stack';
import { runFrame } from './frame';
import { TimeoutError, withTimeout } from '@app/async';

/** One probe: the commands sent in order on one connection (MULTI/EXEC is three). */
export interface ProbeSpec {
  name: string;
  commands: string[][];
}

const PROBE_KEY = '__probe:ha-commands';

export const PROBES: ProbeSpec[] = [
  { name: 'KEYS', commands: [['KEYS', '__probe:*']] },
  { name: 'HELLO', commands: [['HELLO']] },
  { name: 'INFO', commands: [['INFO', 'server']] },
  { name: 'FLUSHALL', commands: [['FLUSHALL']] },
  { name: 'MULTI/EXEC', commands: [['MULTI'], ['SET', PROBE_KEY, 'v'], ['EXEC']] },
  { name: 'HSET multi-field', commands: [['HSET', `${PROBE_KEY}:h`, 'f1', 'v1', 'f2', 'v2']] },
];

const PROBE_TIMEOUT_MS = 3000;
const DETAIL_MAX = 90;

function encode(args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

type Resp = string | number | null | Error | Resp[];

/** Parses one RESP2/RESP3 reply at `i`; null when the buffer does not hold all of it yet. */
export function parseResp(buf: Buffer, i = 0): { value: Resp; next: number } | null {
  const eol = buf.indexOf('\r\n', i);
  if (eol < 0) return null;
  const type = String.fromCharCode(buf[i]);
  const line = buf.toString('utf8', i + 1, eol);
  const after = eol + 2;
  switch (type) {
    case '+':
      return { value: line, next: after };
    case '-':
      return { value: new Error(line), next: after };
    case ':':
    case ',':
    case '(':
      return { value: Number(line), next: after };
    case '#':
      return { value: line, next: after };
    case '_':
      return { value: null, next: after };
    case '$':
    case '=':
    case '!': {
      const len = Number(line);
      if (len < 0) return { value: null, next: after };
      if (buf.length < after + len + 2) return null;
      const s = buf.toString('utf8', after, after + len);
      return { value: type === '!' ? new Error(s) : s, next: after + len + 2 };
    }
    case '*':
    case '~':
    case '>':
    case '%': {
      const n = Number(line) * (type === '%' ? 2 : 1);
      if (n < 0) return { value: null, next: after };
      const items: Resp[] = [];
      let at = after;
      for (let k = 0; k < n; k++) {
        const r = parseResp(buf, at);
        if (!r) return null;
        items.push(r.value);
        at = r.next;
      }
      return { value: items, next: at };
    }
    default:
      return { value: new Error(`unparsable reply starting with ${JSON.stringify(buf.toString('utf8', i, Math.min(buf.length, i + 20)))}`), next: buf.length };
  }
}

function show(v: Resp): string {
  if (v instanceof Error) return `-${v.message}`;
  if (Array.isArray(v)) return `[${v.length} items: ${v.slice(0, 4).map(show).join(', ')}${v.length > 4 ? ', …' : ''}]`;
  if (v === null) return '(nil)';
  if (typeof v === 'string') return v.includes('\n') ? `${v.split('\n')[0].trim()} … (${v.length} bytes)` : JSON.stringify(v);
  return String(v);
}

const shorten = (s: string) => (s.length > DETAIL_MAX ? `${s.slice(0, DETAIL_MAX - 1)}…` : s);

/** Sends the probe's commands pipelined on a new connection to host:port and reads their replies. */
export function probeRaw(port: number, spec: ProbeSpec, path: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<CommandProbe> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const socket = createConnection({ port, host: '127.0.0.1' });
    let buf = Buffer.alloc(0);
    const replies: Resp[] = [];
    let settled = false;
    const done = (outcome: ProbeOutcome, detail: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ path, command: spec.name, outcome, detail: shorten(detail), ms: Date.now() - t0 });
    };
    const timer = setTimeout(() => done('timeout', `no complete reply within ${timeoutMs} ms${replies.length ? ` after ${replies.map(show).join(' | ')}` : ''}`), timeoutMs);
    socket.once('connect', () => socket.write(spec.commands.map(encode).join('')));
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const r = parseResp(buf);
        if (!r) break;
        replies.push(r.value);
        buf = buf.subarray(r.next);
        if (replies.length === spec.commands.length) {
          const last = replies[replies.length - 1];
          return done(replies.some((x) => x instanceof Error) || last instanceof Error ? 'error' : 'reply', replies.map(show).join(' | '));
        }
      }
    });
    socket.once('close', () => done('closed', `connection closed by the server${replies.length ? ` after ${replies.map(show).join(' | ')}` : ' with no reply'}`));
    socket.once('error', (err: NodeJS.ErrnoException) => done(replies.length || err.code !== 'ECONNREFUSED' ? 'closed' : 'connect-failed', err.message));
  });
}

/** The same probes through the mirrored-pair client (an ioredis connection per node, as dept-api has). */
export async function probeMirrored(ha: MirroredRedis, spec: ProbeSpec, path: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<CommandProbe> {
  const t0 = Date.now();
  const run = async (): Promise<string> => {
    switch (spec.name) {
      case 'KEYS':
        return show(await ha.read((c) => c.keys('__probe:*')));
      case 'HELLO':
        return show((await ha.read((c) => c.call('HELLO'))) as Resp);
      case 'INFO':
        return show(await ha.read((c) => c.info('server')));
      case 'FLUSHALL': {
        // FLUSHALL also deletes the readiness markers: say so, the pair is unready until the agents re-mark it.
        const reply = show(await ha.write((c) => c.flushall()));
        const marker = await ha.read((c) => c.exists(DEFAULT_MARKER_KEY)).catch(() => null);
        return `${reply}; readiness marker ${marker === null ? 'unreadable' : marker ? 'kept' : 'deleted too (agents re-mark)'}`;
      }
      case 'MULTI/EXEC': {
        const res = await ha.write((c) => c.multi().set(PROBE_KEY, 'v').exec());
        return show((res ?? []).map(([err, v]) => (err ? err : (v as Resp))));
      }
      case 'HSET multi-field':
        return show(await ha.write((c) => c.hset(`${PROBE_KEY}:h`, 'f1', 'v1', 'f2', 'v2')));
      default:
        throw new Error(`no mirrored probe for ${spec.name}`);
    }
  };
  try {
    const detail = await withTimeout(run(), timeoutMs, 'no reply');
    const stats = ha.stats();
    const mirrored = spec.name === 'FLUSHALL' || spec.name === 'MULTI/EXEC' || spec.name === 'HSET multi-field';
    return { path, command: spec.name, outcome: 'reply', detail: shorten(`${detail}${mirrored ? ` (mirrorFailed ${stats.mirrorFailed})` : ''}`), ms: Date.now() - t0 };
  } catch (err) {
    const e = err as Error;
    return { path, command: spec.name, outcome: e instanceof TimeoutError ? 'timeout' : 'error', detail: shorten(`-${e.message}`), ms: Date.now() - t0 };
  }
}

export async function runHaCommands(profile: Profile): Promise<void> {
  await runFrame('ha-commands', profile, async (record) => {
    const probes: CommandProbe[] = [];
    await withHaPair(log, async (pair) => {
      await pair.up({ kind: 'mirrored', agents: true, api: false });
      for (const spec of PROBES) probes.push(await probeRaw(pair.ports.redisA, spec, 'direct Redis'));
      const ha = new MirroredRedis({ nodes: [{ url: pair.redisUrl('a'), name: 'a' }, { url: pair.redisUrl('b'), name: 'b' }], mode: 'sync', opTimeoutMs: 1000 });
      try {
        await ha.ping();
        for (const spec of PROBES) probes.push(await probeMirrored(ha, spec, 'mirrored client (sync)'));
      } finally {
        await ha.close();
      }
      if (dynomiteOrSkip('Dynomite path', 'not probed', log, (note) => record.notes.push(note))) {
        await pair.startDynomite();
        for (const spec of PROBES) probes.push(await probeRaw(pair.ports.dynA, spec, 'Dynomite (DC_QUORUM)'));
      }
    });
    for (const p of probes) log(`${p.path.padEnd(24)} ${p.command.padEnd(17)} ${p.outcome.padEnd(8)} ${p.detail}`);
    record.ha.commands = probes;
    record.notes.push(
      'Envoy is not probed here (no envoy binary in the local lab): the study reports keys, hello and info answering "unsupported command" ' +
        'and flushall "invalid request" through Envoy (study.md §5).',
    );
  });
}
