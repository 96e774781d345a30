import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import type { ReadKind, ReadValue, WriteOp } from '@app/redis';
import { HA_HINTS_KEY, HA_VERSIONS_KEY } from './probe';

/**
 * Versioned writes for the mirrored pair (docs/ha.md, "Versions and hints").
 *
 * Every element the API writes (a key, or one member of a set) carries a version stamp in the hash
 * `__redis-ha:v` on each node. A stamp is `<µs since the epoch, 17 digits>:<writer tag, 10 digits>`,
 * taken from a hybrid logical clock in the writing app process. A node applies an element only if
 * the stamp is newer than the one it holds, so both nodes end with the same value whatever order
 * mirrors, retries and replays arrive in (last writer wins, one deterministic winner per key).
 *
 * The primary's copy of a write also records a hint in `__redis-ha:hints` (element -> stamp), in
 * the same script, so the record that the peer may lack it is on a node, never only in an app's
 * memory. The writer clears the hint once the peer acknowledged; the agent beside the node replays
 * whatever hints remain to the peer. Nothing here needs MULTI across nodes or any coordination.
 */
export const VERSIONS_KEY = HA_VERSIONS_KEY;
export const HINTS_KEY = HA_HINTS_KEY;

/** A set member is versioned on its own: element id = key NUL member. */
const MEMBER_SEP = '\0';

const STAMP_LUA = `
local function parse(s)
  if not s then return nil end
  local u, t = string.match(s, '^(%d+):(%d+)$')
  if not u then return nil end
  return tonumber(u), tonumber(t)
end
-- a is strictly newer than b (b may be nil)
local function newer(a, b)
  local au, at = parse(a)
  local bu, bt = parse(b)
  if not bu then return true end
  if au ~= bu then return au > bu end
  return at > bt
end
`;

/**
 * KEYS[1] versions, KEYS[2] hints, KEYS[3..] the data keys.
 * ARGV[1] stamp, ARGV[2] role: 'p' = the primary's copy (all or nothing: if any element already
 * holds a stamp at least as new, nothing is applied and {0, that stamp} comes back; the hint is
 * recorded), 'm' = a mirror or a replay (element by element, newer only, no hint).
 * ARGV[3..] ops: kind, index into KEYS, argument count, arguments.
 */
const APPLY_LUA = `${STAMP_LUA}
local V, H = KEYS[1], KEYS[2]
local stamp, role = ARGV[1], ARGV[2]
local su = parse(stamp)
local ops = {}
local i = 3
while i <= #ARGV do
  local kind, key, n = ARGV[i], KEYS[tonumber(ARGV[i + 1])], tonumber(ARGV[i + 2])
  local args = {}
  for j = 1, n do args[j] = ARGV[i + 2 + j] end
  local elem = key
  if kind == 'sadd' or kind == 'srem' then elem = key .. '\\0' .. args[1] end
  ops[#ops + 1] = { kind, key, elem, args }
  i = i + 3 + n
end
if role == 'p' then
  for _, op in ipairs(ops) do
    local cur = redis.call('HGET', V, op[3])
    if cur and not newer(stamp, cur) then return { 0, cur } end
  end
end
local applied = 0
for _, op in ipairs(ops) do
  local kind, key, elem, args = op[1], op[2], op[3], op[4]
  if role == 'p' or newer(stamp, redis.call('HGET', V, elem)) then
    if kind == 'set' then
      if args[2] ~= '' then
        redis.call('SET', key, args[1], 'PXAT', math.floor(su / 1000) + tonumber(args[2]))
      else
        redis.call('SET', key, args[1])
      end
    elseif kind == 'hash' then
      redis.call('DEL', key)
      if #args > 0 then redis.call('HSET', key, unpack(args)) end
    elseif kind == 'sadd' then
      redis.call('SADD', key, args[1])
    elseif kind == 'srem' then
      redis.call('SREM', key, args[1])
    else
      redis.call('DEL', key)
    end
    redis.call('HSET', V, elem, stamp)
    if role == 'p' then redis.call('HSET', H, elem, stamp) end
    applied = applied + 1
  end
end
return { 1, stamp, applied }
`;

/** KEYS[1] hints; ARGV pairs (element, stamp): drops each hint not newer than the stamp the peer now holds. */
const CLEAR_LUA = `${STAMP_LUA}
local cleared = 0
for i = 1, #ARGV, 2 do
  local h = redis.call('HGET', KEYS[1], ARGV[i])
  if h and not newer(h, ARGV[i + 1]) then
    redis.call('HDEL', KEYS[1], ARGV[i])
    cleared = cleared + 1
  end
end
return cleared
`;

/**
 * KEYS[1] versions; ARGV elements. For each: {element, stamp, kind, key, args...} describing the
 * element as this node holds it now, as an op that recreates it (a `set` keeps its absolute expiry,
 * expressed relative to the stamp as the primary wrote it). Elements without a version are skipped.
 */
const READ_LUA = `${STAMP_LUA}
local out = {}
for i = 1, #ARGV do
  local elem = ARGV[i]
  local cur = redis.call('HGET', KEYS[1], elem)
  if cur then
    local sep = string.find(elem, '\\0', 1, true)
    if sep then
      local key, member = string.sub(elem, 1, sep - 1), string.sub(elem, sep + 1)
      local kind = 'srem'
      if redis.call('SISMEMBER', key, member) == 1 then kind = 'sadd' end
      out[#out + 1] = { elem, cur, kind, key, member }
    else
      local t = redis.call('TYPE', elem).ok
      if t == 'string' then
        local at = redis.call('PEXPIRETIME', elem)
        local ttl = ''
        if at > 0 then ttl = tostring(at - math.floor(parse(cur) / 1000)) end
        out[#out + 1] = { elem, cur, 'set', elem, redis.call('GET', elem), ttl }
      elseif t == 'hash' then
        local r = { elem, cur, 'hash', elem }
        for _, v in ipairs(redis.call('HGETALL', elem)) do r[#r + 1] = v end
        out[#out + 1] = r
      elseif t == 'none' then
        out[#out + 1] = { elem, cur, 'del', elem }
      end
    end
  end
end
return out
`;

/** EVALSHA with a fallback to EVAL when the node does not know the script (restart, SCRIPT FLUSH). */
export class Script {
  readonly sha: string;
  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: Redis, keys: readonly string[], args: readonly (string | Buffer)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return client.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

export const APPLY = new Script(APPLY_LUA);
export const CLEAR = new Script(CLEAR_LUA);
export const READ = new Script(READ_LUA);

/** The element ids a batch of ops versions (a key, or key NUL member). */
export function elementOf(op: WriteOp): string {
  return op.type === 'sadd' || op.type === 'srem' ? `${op.key}${MEMBER_SEP}${op.member}` : op.key;
}

export interface EncodedOps {
  keys: string[];
  args: string[];
  elements: string[];
}

/** Ops as the APPLY script's KEYS (after versions and hints) and ARGV (after stamp and role). */
export function encodeOps(ops: readonly WriteOp[]): EncodedOps {
  const keys: string[] = [VERSIONS_KEY, HINTS_KEY];
  const args: string[] = [];
  const elements: string[] = [];
  for (const op of ops) {
    let idx = keys.indexOf(op.key, 2);
    if (idx < 0) idx = keys.push(op.key) - 1;
    const keyRef = String(idx + 1);
    let opArgs: string[];
    switch (op.type) {
      case 'set':
        opArgs = [op.value, op.ttlSeconds ? String(op.ttlSeconds * 1000) : ''];
        break;
      case 'hash':
        opArgs = Object.entries(op.fields).flat();
        break;
      case 'sadd':
      case 'srem':
        opArgs = [op.member];
        break;
      case 'del':
        opArgs = [];
        break;
    }
    args.push(op.type, keyRef, String(opArgs.length), ...opArgs);
    elements.push(elementOf(op));
  }
  return { keys, args, elements };
}

export type ApplyReply = { applied: true; stamp: string; count: number } | { applied: false; newer: string };

export async function applyOn(client: Redis, enc: EncodedOps, stamp: string, role: 'p' | 'm'): Promise<ApplyReply> {
  const r = (await APPLY.run(client, enc.keys, [stamp, role, ...enc.args])) as [number, string, number?];
  return r[0] === 1 ? { applied: true, stamp: r[1], count: Number(r[2] ?? 0) } : { applied: false, newer: r[1] };
}

/** Clears hints the peer has acknowledged (element, stamp pairs); returns how many went. */
export async function clearHints(client: Redis, pairs: readonly (readonly [string, string])[]): Promise<number> {
  if (!pairs.length) return 0;
  return Number(await CLEAR.run(client, [HINTS_KEY], pairs.flat()));
}

/** One element as a node holds it, ready to be replayed on the other node with its own stamp. */
export interface ElementState {
  element: string;
  stamp: string;
  op: WriteOp;
  /** For `set`: the expiry relative to the stamp (ms), as the APPLY script expects it. */
  ttlArg?: string;
}

export async function readElements(client: Redis, elements: readonly string[]): Promise<ElementState[]> {
  if (!elements.length) return [];
  const rows = (await READ.run(client, [VERSIONS_KEY], elements)) as string[][];
  return rows.map(([element, stamp, kind, key, ...rest]) => {
    switch (kind) {
      case 'sadd':
      case 'srem':
        return { element, stamp, op: { type: kind, key, member: rest[0] } };
      case 'set':
        return { element, stamp, op: { type: 'set', key, value: rest[0] }, ttlArg: rest[1] };
      case 'hash': {
        const fields: Record<string, string> = {};
        for (let i = 0; i + 1 < rest.length; i += 2) fields[rest[i]] = rest[i + 1];
        return { element, stamp, op: { type: 'hash', key, fields } };
      }
      default:
        return { element, stamp, op: { type: 'del', key } };
    }
  });
}

/** Replays one element on a node with the stamp it has at its source (applied only if newer there). */
export async function replayOn(client: Redis, state: ElementState): Promise<ApplyReply> {
  const enc = encodeOps([state.op]);
  // A set's expiry travels as "ms after the stamp", so both nodes expire the key at the same instant.
  if (state.op.type === 'set') enc.args[enc.args.length - 1] = state.ttlArg ?? '';
  return applyOn(client, enc, state.stamp, 'm');
}

/** Compares two stamps (as the scripts do): positive when a is newer. */
export function compareStamps(a: string | null | undefined, b: string | null | undefined): number {
  if (!a) return b ? -1 : 0;
  if (!b) return 1;
  const [au, at] = a.split(':').map(Number);
  const [bu, bt] = b.split(':').map(Number);
  return au !== bu ? Math.sign(au - bu) : Math.sign(at - bt);
}

/**
 * Hybrid logical clock of one writer: wall-clock microseconds, never going back, bumped past any
 * newer stamp it is told about. The tag breaks ties between writers deterministically.
 */
export class StampClock {
  private last = 0;
  private offsetMs = Date.now() - performance.now();
  private offsetAt = performance.now();
  readonly tag: string;

  constructor(tag?: number) {
    this.tag = String(tag ?? Math.floor(Math.random() * 1e10)).padStart(10, '0');
  }

  next(): string {
    const nowPerf = performance.now();
    // Re-anchor to the wall clock once a second (performance.now() is monotonic but does not slew with NTP).
    if (nowPerf - this.offsetAt > 1000) {
      this.offsetMs = Date.now() - nowPerf;
      this.offsetAt = nowPerf;
    }
    const us = Math.floor((this.offsetMs + nowPerf) * 1000);
    this.last = Math.max(us, this.last + 1);
    return `${String(this.last).padStart(17, '0')}:${this.tag}`;
  }

  /** A node holds a newer stamp: the next one must be past it. */
  observe(stamp: string): void {
    const us = Number(stamp.split(':')[0]);
    if (Number.isFinite(us) && us > this.last) this.last = us;
  }
}

/** Reads a key with its version (MULTI: one consistent view), for the miss path's look at the peer. */
export async function readVersioned<K extends ReadKind>(client: Redis, key: string, kind: K): Promise<{ stamp: string | null; value: ReadValue<K> }> {
  const m = client.multi().hget(VERSIONS_KEY, key);
  if (kind === 'string') m.get(key);
  else if (kind === 'bytes') m.getBuffer(key);
  else m.hgetall(key);
  const res = await m.exec();
  if (!res) throw new Error('transaction discarded');
  for (const [err] of res) if (err) throw err;
  const stamp = res[0][1] as string | null;
  let value = res[1][1] as unknown;
  if (kind === 'hash' && value && Object.keys(value as object).length === 0) value = null;
  return { stamp, value: value as ReadValue<K> };
}
