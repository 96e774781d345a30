/**
 * mysql2 error codes that mean "the database cannot answer now", as opposed to a bad statement.
 * Each is transient: the API answers 503 (with Retry-After), never 500.
 */
const UNAVAILABLE = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_CON_COUNT_ERROR', 'ER_TOO_MANY_USER_CONNECTIONS', 'POOL_CLOSED',
  'ER_SERVER_SHUTDOWN', 'ER_QUERY_INTERRUPTED', 'ER_CONNECTION_KILLED', 'ER_NET_READ_INTERRUPTED', 'ER_NET_WRITE_INTERRUPTED',
  'ER_NET_READ_ERROR', 'ER_NET_ERROR_ON_WRITE', 'ER_OUT_OF_RESOURCES', 'ER_LOCK_TABLE_FULL',
]);

/** The server rolled the statement back (deadlock victim, lock wait timeout): running it again is safe. */
const ROLLED_BACK = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);
/** The same by number, for drivers or proxies that report only errno (1205, 1213; 1927, 2006, 2013 lost). */
const ROLLED_BACK_ERRNO = new Set([1205, 1213]);
const UNAVAILABLE_ERRNO = new Set([1040, 1053, 1317, 1927, 2002, 2003, 2006, 2013]);

function codeOf(err: unknown): string | undefined {
  const e = err as { code?: string; driverError?: { code?: string } };
  return e?.driverError?.code ?? e?.code;
}

function errnoOf(err: unknown): number | undefined {
  const e = err as { errno?: number; driverError?: { errno?: number } };
  return e?.driverError?.errno ?? e?.errno;
}

/** The statement waited innodb_lock_wait_timeout for a row lock and was rolled back. */
export function isLockWaitTimeout(err: unknown): boolean {
  return codeOf(err) === 'ER_LOCK_WAIT_TIMEOUT' || errnoOf(err) === 1205;
}

export function isDuplicateKey(err: unknown): boolean {
  return codeOf(err) === 'ER_DUP_ENTRY';
}

/** A statement the server rolled back whole (deadlock, lock wait timeout): retrying it is safe, whatever it does. */
export function isRolledBack(err: unknown): boolean {
  const code = codeOf(err);
  const errno = errnoOf(err);
  return (code !== undefined && ROLLED_BACK.has(code)) || (errno !== undefined && ROLLED_BACK_ERRNO.has(errno));
}

/** Transient: the database is unreachable, lost the connection mid-query, or rolled the statement back. */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (isRolledBack(err)) return true;
  const code = codeOf(err);
  if (code && UNAVAILABLE.has(code)) return true;
  const errno = errnoOf(err);
  if (errno !== undefined && UNAVAILABLE_ERRNO.has(errno)) return true;
  const message = (err as Error)?.message ?? '';
  return /connect|closed state|Pool is closed|Connection lost|timeout|deadlock/i.test(message);
}
