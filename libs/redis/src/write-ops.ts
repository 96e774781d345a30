import type Redis from 'ioredis';

/**
 * The writes the API makes, as data rather than as a function of a connection, so a topology can
 * stamp, order and replay them (the mirrored pair versions every key; see docs/ha.md). Every op is
 * idempotent and names the one key it touches.
 */
export type WriteOp =
  /** SET key value, expiring `ttlSeconds` after the write when given. */
  | { type: 'set'; key: string; value: string; ttlSeconds?: number }
  /** The hash becomes exactly these fields (fields of an earlier save are removed): Spring's `save`. */
  | { type: 'hash'; key: string; fields: Record<string, string> }
  /** One member added to a set. */
  | { type: 'sadd'; key: string; member: string }
  /** One member removed from a set. */
  | { type: 'srem'; key: string; member: string }
  /** The key removed, whatever it holds. */
  | { type: 'del'; key: string };

/**
 * Plain commands for one Redis or one proxy (Dynomite and Envoy accept exactly these: SET EX, DEL,
 * HMSET, SADD, SREM; no MULTI, no scripts). Sent on one connection in order, awaited together.
 */
// Not async, and neither is replaceHash: ioredis's own promises are gathered by one Promise.all,
// without an async function's promise and its extra turns around each (the POST's hot path).
export function applyPlain(client: Redis, ops: readonly WriteOp[]): Promise<void> {
  const pending: Promise<unknown>[] = [];
  try {
    for (const op of ops) {
      switch (op.type) {
        case 'set':
          pending.push(op.ttlSeconds ? client.set(op.key, op.value, 'EX', op.ttlSeconds) : client.set(op.key, op.value));
          break;
        case 'hash':
          pending.push(replaceHash(client, op.key, op.fields));
          break;
        case 'sadd':
          pending.push(client.sadd(op.key, op.member));
          break;
        case 'srem':
          pending.push(client.srem(op.key, op.member));
          break;
        case 'del':
          pending.push(client.del(op.key));
          break;
      }
    }
  } catch (err) {
    return Promise.reject(err);
  }
  // Every command is in flight on the one connection already; a failure of any fails the write.
  return Promise.all(pending).then(done);
}

const done = (): void => undefined;

/**
 * The hash becomes exactly `fields` without ever being absent: HMSET first, then HDEL of the fields
 * an earlier save had and this one has not. (DEL + HMSET would let a reader on another connection,
 * another app replica, see no department between the two commands: the fault runs found it.) Two
 * saves of one id with different field sets racing each other may keep a field of either.
 */
function replaceHash(client: Redis, key: string, fields: Record<string, string>): Promise<unknown> {
  // A plain loop: Object.entries(fields).flat() cost about 7 µs per save in the POST profile.
  const args: string[] = [];
  for (const name in fields) if (Object.hasOwn(fields, name)) args.push(name, fields[name]);
  if (!args.length) return client.del(key);
  return Promise.all([client.hmset(key, args), client.hkeys(key)]).then(([, present]) => {
    const stale = present.filter((f) => !Object.hasOwn(fields, f));
    return stale.length ? client.hdel(key, ...stale) : undefined;
  });
}

/** What a structured read asks for. */
export type ReadKind = 'string' | 'bytes' | 'hash';
export type ReadValue<K extends ReadKind> = K extends 'string' ? string | null : K extends 'bytes' ? Buffer | null : Record<string, string> | null;

/** One key's value, null when absent (an empty hash is absent). */
// Not async: the cached GET's path hands ioredis's own promise on, one promise and its microtasks
// fewer per read.
export function readPlain<K extends ReadKind>(client: Redis, key: string, kind: K): Promise<ReadValue<K>> {
  if (kind === 'string') return client.get(key) as Promise<ReadValue<K>>;
  if (kind === 'bytes') return client.getBuffer(key) as Promise<ReadValue<K>>;
  return client.hgetall(key).then((h) => (h && Object.keys(h).length ? h : null) as ReadValue<K>);
}
