import { FetchError } from '../errors.js';

/**
 * StatBank's `updated` timestamps: ISO 8601, a date-time (`2025-09-10T06:00:00Z`) or a bare date, of a real calendar
 * day. The pipeline decides whether a table changed by this field, so anything else is refused rather than guessed at.
 */
const isoTimestamp = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** True for an ISO 8601 date-time or bare date that Date.parse reads and whose day exists (no 2025-02-30). */
export function isStatbankTimestamp(value: string): boolean {
  const m = isoTimestamp.exec(value);
  if (!m || Number.isNaN(Date.parse(value))) return false;
  // A day that does not exist rolls over into another (2025-02-30 -> 2025-03-02).
  if (new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).toISOString().slice(0, 10) !== value.slice(0, 10)) return false;
  return m[4] === undefined || (Number(m[4]) <= 23 && Number(m[5]) <= 59 && Number(m[6] ?? 0) <= 59);
}

/** `value` when it is null/absent or a valid timestamp; else a FetchError (reason 'malformed'). `field`: where it was read. */
export function checkUpdated(value: unknown, where: { table: string; field: string; url?: string }): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' && isStatbankTimestamp(value)) return value;
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : `a ${typeof value} (${JSON.stringify(value)?.slice(0, 80)})`;
  throw new FetchError(
    `StatBank sent table ${where.table} with a malformed ${where.field}: ${shown} is not an ISO 8601 date-time or ` +
      `date of the calendar${where.url ? ` (${where.url})` : ''}. Whether the table changed can't be told from it, so ` +
      'the answer was refused and nothing was stored; try again later, and report it to SSB if it persists.',
    { table: where.table, ...(where.url ? { url: where.url } : {}), reason: 'malformed' },
  );
}
