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

/** Milliseconds since the epoch, or undefined when `value` is not an ISO-8601 date string. */
export function parseIsoTimestamp(value: unknown): number | undefined {
  // Hand-rolled (no RegExp, no Date allocation): it runs for every timestamp of every event.
  if (typeof value !== 'string' || value.length < 10 || value.length > 64) return undefined;
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 2);
  const day = digits(value, 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (value.charCodeAt(4) !== dash || value.charCodeAt(7) !== dash) return undefined;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let millis = 0;
  let at = 10;
  const separator = value.charCodeAt(at);
  if (separator === upperT || separator === lowerT || separator === space) {
    hour = digits(value, at + 1, 2);
    minute = digits(value, at + 4, 2);
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || value.charCodeAt(at + 3) !== colon) return undefined;
    at += 6;
    if (value.charCodeAt(at) === colon) {
      second = digits(value, at + 1, 2);
      if (second < 0 || second > 59) return undefined;
      at += 3;
      const mark = value.charCodeAt(at);
      if (mark === dot || mark === comma) {
        const fractionStart = ++at;
        while (at < value.length && isDigit(value.charCodeAt(at))) at++;
        if (at === fractionStart) return undefined;
        // Milliseconds from the first three digits; further digits are truncated.
        for (let i = 0; i < 3; i++) millis = millis * 10 + (fractionStart + i < at ? value.charCodeAt(fractionStart + i) - zero : 0);
      }
    }
  }
  const offsetMinutes = parseOffset(value, at);
  if (offsetMinutes === undefined) return undefined;
  return utcMidnight(year, month, day) + hour * 3_600_000 + minute * 60_000 + second * 1000 + millis - offsetMinutes * 60_000;
}

/** The last date turned into ms: the events of a batch mostly share one day, and Date.UTC is most of a parse. */
let cachedDateKey = -1;
let cachedMidnightMs = 0;

/** Ms since the epoch of the date's 00:00 UTC (year 0–9999, a valid month and day). */
function utcMidnight(year: number, month: number, day: number): number {
  const key = year * 10_000 + month * 100 + day;
  if (key !== cachedDateKey) {
    // Date.UTC reads years 0–99 as 1900–1999; shift such years by one 400-year cycle (exactly 146,097 days).
    cachedMidnightMs = year < 100 ? Date.UTC(year + 400, month - 1, day) - fourHundredYearsMs : Date.UTC(year, month - 1, day);
    cachedDateKey = key;
  }
  return cachedMidnightMs;
}

const fourHundredYearsMs = 146_097 * 86_400_000;

const zero = 48;
const dash = 45;
const colon = 58;
const dot = 46;
const comma = 44;
const space = 32;
const upperT = 84;
const lowerT = 116;

function isDigit(code: number): boolean {
  return code >= zero && code <= zero + 9;
}

/** The non-negative number of `length` digits at `at`, or -1 when any is not a digit. */
function digits(text: string, at: number, length: number): number {
  if (at + length > text.length) return -1;
  let number = 0;
  for (let i = at; i < at + length; i++) {
    const code = text.charCodeAt(i);
    if (!isDigit(code)) return -1;
    number = number * 10 + (code - zero);
  }
  return number;
}

/** Offset in minutes east of UTC for the rest of the string from `at`: none, Z, ±hh, ±hhmm or ±hh:mm. */
function parseOffset(text: string, at: number): number | undefined {
  const rest = text.length - at;
  if (rest === 0) return 0;
  const sign = text.charCodeAt(at);
  if (rest === 1 && (sign === 90 || sign === 122)) return 0; // Z / z
  if (sign !== 43 && sign !== dash) return undefined; // + / -
  const hours = digits(text, at + 1, 2);
  let minutes: number;
  if (rest === 3) minutes = 0;
  else if (rest === 5) minutes = digits(text, at + 3, 2);
  else if (rest === 6 && text.charCodeAt(at + 3) === colon) minutes = digits(text, at + 4, 2);
  else return undefined;
  if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return undefined;
  return (sign === dash ? -1 : 1) * (hours * 60 + minutes);
}

const monthDays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function daysInMonth(year: number, month: number): number {
  if (month !== 2) return monthDays[month - 1]!;
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}

/**
 * `new Date(ms).toISOString()`, several times faster: it runs for the skew-corrected timestamp of every
 * event, and Date's formatting showed up as the largest single cost of writing a stored line. Years
 * 0–9999 only (what parseIsoTimestamp accepts, four digits); anything else goes through Date (which
 * writes ±YYYYYY and throws past its range, like before).
 */
export function formatIsoTimestamp(ms: number): string {
  if (!(ms >= minFormattedMs && ms <= maxFormattedMs) || !Number.isInteger(ms)) return new Date(ms).toISOString();
  const days = Math.floor(ms / dayMs);
  let msOfDay = ms - days * dayMs;
  if (days !== cachedDay) {
    cachedDay = days;
    cachedDatePrefix = civilDatePrefix(days);
  }
  const hours = Math.floor(msOfDay / 3_600_000);
  msOfDay -= hours * 3_600_000;
  const minutes = Math.floor(msOfDay / 60_000);
  msOfDay -= minutes * 60_000;
  const seconds = Math.floor(msOfDay / 1000);
  return `${cachedDatePrefix}${twoDigits[hours]}:${twoDigits[minutes]}:${twoDigits[seconds]}.${threeDigits[msOfDay - seconds * 1000]}Z`;
}

const dayMs = 86_400_000;
/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z. */
const minFormattedMs = -62_167_219_200_000;
const maxFormattedMs = 253_402_300_799_999;
const twoDigits = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'));
const threeDigits = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'));
/** Events of one batch mostly fall on one day: its `YYYY-MM-DDT` is kept. */
let cachedDay = Number.NaN;
let cachedDatePrefix = '';

/** `YYYY-MM-DDT` of a day number (days since 1970-01-01), by the civil-from-days algorithm (proleptic Gregorian). */
function civilDatePrefix(days: number): string {
  const shifted = days + 719_468; // days since 0000-03-01
  const era = Math.floor(shifted / 146_097);
  const dayOfEra = shifted - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${String(year).padStart(4, '0')}-${twoDigits[month]}-${twoDigits[day]}T`;
}
