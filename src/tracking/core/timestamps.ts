/**
 * Parsing of the client's ISO-8601 timestamps (`timestamp`, `sentAt`).
 *
 * Our own strict parser instead of `Date.parse`, whose accepted formats are implementation-defined and
 * which reads an offset-less date-time as *local* time (machine-dependent). Accepted:
 * `YYYY-MM-DD`, optionally followed by `T` (or a space) `hh:mm[:ss[.fraction]]` and an optional `Z` or
 * `±hh[:mm]` offset; a missing offset means UTC. Fractions beyond milliseconds are truncated.
 *
 * Policy for values that do not parse (documented in docs/errors.md): the event is rejected with
 * `invalid_timestamp`. Storing it would make `timestamp` skew correction impossible and hand every
 * downstream reader (warehouses, S3 consumers) a value it cannot order by; the client gets a precise
 * error instead of silently wrong data. `null` counts as absent.
 */

const isoPattern =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Milliseconds since the epoch, or undefined when `value` is not an ISO-8601 date string. */
export function parseIsoTimestamp(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.length > 64) return undefined;
  const match = isoPattern.exec(value);
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const hour = match[4] === undefined ? 0 : Number(match[4]);
  const minute = match[5] === undefined ? 0 : Number(match[5]);
  const second = match[6] === undefined ? 0 : Number(match[6]);
  const millis = match[7] === undefined ? 0 : Number(match[7].slice(0, 3).padEnd(3, '0'));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const offsetMinutes = parseOffset(match[8]);
  if (offsetMinutes === undefined) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
}

function parseOffset(offset: string | undefined): number | undefined {
  if (offset === undefined || offset === 'Z' || offset === 'z') return 0;
  const sign = offset[0] === '-' ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
  if (hours > 23 || minutes > 59) return undefined;
  return sign * (hours * 60 + minutes);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
