/** mysql2 error codes that mean "the database is not there", as opposed to a bad statement. */
const UNAVAILABLE = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_CON_COUNT_ERROR', 'POOL_CLOSED',
  'ER_SERVER_SHUTDOWN', 'ER_LOCK_WAIT_TIMEOUT', 'ER_QUERY_INTERRUPTED',
]);

function codeOf(err: unknown): string | undefined {
  const e = err as { code?: string; driverError?: { code?: string } };
  return e?.driverError?.code ?? e?.code;
}

export function isDuplicateKey(err: unknown): boolean {
  return codeOf(err) === 'ER_DUP_ENTRY';
}

export function isDatabaseUnavailable(err: unknown): boolean {
  const code = codeOf(err);
  if (code && UNAVAILABLE.has(code)) return true;
  const message = (err as Error)?.message ?? '';
  return /connect|closed state|Pool is closed|Connection lost|timeout/i.test(message);
}
