/**
 * What an id and a name may be. One rule for every route, the path and the body alike, so that
 * whatever POST accepts GET, PUT and DELETE reach, and MariaDB and Redis agree on identity:
 *
 * - lengths count Unicode code points (as MariaDB's varchar(40) and JSON Schema's maxLength do),
 *   never UTF-16 units, so 40 emoji are 40 characters everywhere;
 * - text is well formed (no lone surrogate: UTF-8 cannot carry one, it would come back as U+FFFD)
 *   and in NFC, so one visible spelling has one byte sequence (the key column compares bytes);
 * - no control characters (C0, DEL, C1: NUL, CR, LF, TAB...), no line or paragraph separators,
 *   no bidirectional overrides or isolates (they make one id look like another), no BOM;
 * - no leading or trailing whitespace (so `d002 ` is refused rather than aliased, and a
 *   whitespace-only value is refused);
 * - an id is not `.` or `..`, which URL clients rewrite as path segments, so no client could
 *   address them.
 *
 * Equality is then exact: the key columns use a binary no-pad collation (migration
 * 1710000000000) and Redis keys are exact, so `D001` and `d001` are two departments.
 */
export const DEPT_FIELD_MAX = 40;

/** Longest `payload` POST /api/departmentRedises accepts (code points). */
export const DEPT_PAYLOAD_MAX = 4096;

const FORBIDDEN = /[\p{Cc}\p{Cs}\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/u;
const LONE_SURROGATE = /\p{Cs}/u;
const EDGE_SPACE = /^\s|\s$/u;

/** Code points, not UTF-16 units: '😀'.length is 2, codePoints('😀') is 1. */
export function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * Printable ASCII with no space at either end: such a string passes every rule below (no control,
 * surrogate or bidi character, its code points are its length, ASCII is NFC), so it needs only
 * its length checked. Study ids and names are all of this kind; anything else takes the full check.
 */
const PLAIN_ASCII = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/** Why `value` is not an acceptable id or name, or null when it is. */
export function textProblem(field: string, value: unknown, max = DEPT_FIELD_MAX): string | null {
  if (typeof value === 'string' && value.length <= max && PLAIN_ASCII.test(value)) return null;
  return fullTextProblem(field, value, max);
}

/** textProblem without its ASCII shortcut: every rule, for every string (the tests compare the two). */
export function fullTextProblem(field: string, value: unknown, max = DEPT_FIELD_MAX): string | null {
  if (typeof value !== 'string') return `${field} must be a string`;
  if (LONE_SURROGATE.test(value)) return `${field} must not contain a lone surrogate (it cannot be stored as UTF-8)`;
  const n = codePoints(value);
  if (n === 0 || n > max) return `${field} must be 1 to ${max} characters (code points), got ${n}`;
  if (FORBIDDEN.test(value)) return `${field} must not contain control characters, line breaks, bidi controls or a BOM`;
  if (EDGE_SPACE.test(value)) return `${field} must not start or end with whitespace`;
  if (value.normalize('NFC') !== value) return `${field} must be in Unicode normalisation form NFC`;
  return null;
}

export function deptNoProblem(value: unknown): string | null {
  const p = textProblem('deptNo', value);
  if (p) return p;
  if (value === '.' || value === '..') return 'deptNo must not be "." or ".." (URL clients rewrite them)';
  return null;
}

export function deptNameProblem(value: unknown): string | null {
  return textProblem('deptName', value);
}

/** The payload is opaque text: any well-formed string up to DEPT_PAYLOAD_MAX code points. */
export function payloadProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'payload must be a string';
  if (LONE_SURROGATE.test(value)) return 'payload must not contain a lone surrogate (it cannot be stored as UTF-8)';
  if (codePoints(value) > DEPT_PAYLOAD_MAX) return `payload must be at most ${DEPT_PAYLOAD_MAX} characters (code points)`;
  return null;
}

/**
 * The same rule as a JSON Schema pattern for the OpenAPI document (what a regex can say: the
 * lone-surrogate and NFC checks are stated in the description).
 */
const BAD = String.raw`\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff`;
export const DEPT_TEXT_PATTERN = String.raw`^[^\s${BAD}](?:[^${BAD}]*[^\s${BAD}])?$`;
export const DEPT_TEXT_RULE =
  '1 to 40 Unicode code points, well formed (no lone surrogate), NFC, no control characters, line breaks, bidi controls or BOM, no leading or trailing whitespace';
