import type Redis from 'ioredis';

/** Key the agent writes on its node once the node is in sync: `<run_id>:<epoch ms>`. */
export const DEFAULT_MARKER_KEY = '__redis-ha:ready';
/** Keys under this prefix belong to the HA machinery and are left out of key counts and sync checks. */
export const HA_KEY_PREFIX = '__redis-ha:';
/** Per-element version stamps and the hints for the peer (see versioned.ts). */
export const HA_VERSIONS_KEY = '__redis-ha:v';
export const HA_HINTS_KEY = '__redis-ha:hints';

/** One node's state as read through plain Redis commands (INFO, DBSIZE, GET), no proxy involved. */
export interface NodeProbe {
  runId: string;
  role: 'master' | 'slave';
  loading: boolean;
  /** Replica only: `up` once the link to the master is established. */
  masterLinkStatus?: string;
  masterSyncInProgress: boolean;
  /** master_repl_offset on a master; on a replica, the offset it has processed. */
  replOffset: number;
  masterHost?: string;
  masterPort?: number;
  /** Value of the readiness marker, if any. */
  marker: string | null;
  /** The marker was written by an agent for this very server process (same run_id), and it is a master. */
  markedReady: boolean;
  /** DBSIZE minus the pair's own keys; undefined while the node is loading. */
  keys?: number;
  /** The node holds version stamps: its data was written by the versioned mirrored pair. */
  versioned?: boolean;
}

/** Parses INFO text into a flat field map (sections merged). */
export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

export function markerMatches(marker: string | null, runId: string): boolean {
  return marker !== null && marker.startsWith(`${runId}:`);
}

/**
 * Reads run_id, role, loading, replication offsets and the readiness marker in one pipeline.
 * Throws when the node does not answer (connection refused, timeout, auth failure).
 */
export async function probeNode(client: Redis, markerKey = DEFAULT_MARKER_KEY, withKeys = true): Promise<NodeProbe> {
  const pipeline = client.pipeline().info('server').info('replication').info('persistence').get(markerKey);
  // The pair's own keys (marker, versions, hints) are not data: DBSIZE less those that exist.
  if (withKeys) pipeline.dbsize().exists(markerKey, HA_VERSIONS_KEY, HA_HINTS_KEY).exists(HA_VERSIONS_KEY);
  const results = await pipeline.exec();
  if (!results) throw new Error('pipeline was discarded');
  const [server, replication, persistence, marker, dbsize, own, versions] = results;
  for (const r of [server, replication, persistence]) if (r[0]) throw r[0];
  const info = { ...parseInfo(String(server[1])), ...parseInfo(String(replication[1])), ...parseInfo(String(persistence[1])) };
  const runId = info.run_id;
  if (!runId) throw new Error('INFO server has no run_id');
  const role = info.role === 'slave' ? 'slave' : 'master';
  const loading = info.loading === '1' || info.async_loading === '1';
  // A LOADING error on GET/DBSIZE is expected while a replica loads the master's RDB.
  const markerValue = marker && !marker[0] ? (marker[1] as string | null) : null;
  let keys: number | undefined;
  if (dbsize && !dbsize[0] && own && !own[0]) keys = Math.max(0, Number(dbsize[1]) - Number(own[1]));
  const offset = role === 'slave' ? Number(info.slave_repl_offset ?? info.master_repl_offset ?? 0) : Number(info.master_repl_offset ?? 0);
  return {
    runId,
    role,
    loading,
    masterLinkStatus: info.master_link_status,
    masterSyncInProgress: info.master_sync_in_progress === '1',
    replOffset: offset,
    masterHost: info.master_host,
    masterPort: info.master_port ? Number(info.master_port) : undefined,
    marker: markerValue,
    markedReady: role === 'master' && !loading && markerMatches(markerValue, runId),
    keys,
    versioned: versions && !versions[0] ? Number(versions[1]) === 1 : undefined,
  };
}

/** Errors that mean "this node is unusable right now", as opposed to a bad command. */
const CONNECTION_MESSAGES = ['Connection is closed', "Stream isn't writeable", 'Command timed out', 'connect ETIMEDOUT', 'Reached the max retries'];
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);

export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as NodeJS.ErrnoException).code;
  if (code && CONNECTION_CODES.has(code)) return true;
  if (err.name === 'MaxRetriesPerRequestError') return true;
  return CONNECTION_MESSAGES.some((m) => err.message.includes(m));
}

/** Reply errors from a node that is a replica or still loading: the write reaches it through replication. */
export function isReplicaError(err: unknown): boolean {
  return err instanceof Error && /^(READONLY|LOADING|MASTERDOWN)\b/.test(err.message);
}

export function isAuthError(err: unknown): boolean {
  return err instanceof Error && /\b(NOAUTH|WRONGPASS|NOPERM)\b|invalid password|invalid username-password/i.test(err.message);
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Writes the readiness marker for the server process behind `client` (what the agent does once
 * the node is in sync; an operator may do it by hand for a pair run without agents).
 */
export async function markNodeReady(client: Redis, markerKey = DEFAULT_MARKER_KEY): Promise<string> {
  const runId = parseInfo(await client.info('server')).run_id;
  if (!runId) throw new Error('INFO server has no run_id');
  const value = `${runId}:${Date.now()}`;
  await client.set(markerKey, value);
  return value;
}
