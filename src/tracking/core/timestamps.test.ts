import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIsoTimestamp, parseIsoTimestamp } from './timestamps.js';

describe('parseIsoTimestamp', () => {
  it('parses what the libraries send (toISOString) and common ISO-8601 variants', () => {
    expect(parseIsoTimestamp('2024-02-29T12:34:56.789Z')).toBe(Date.UTC(2024, 1, 29, 12, 34, 56, 789));
    expect(parseIsoTimestamp('2024-02-29T12:34:56Z')).toBe(Date.UTC(2024, 1, 29, 12, 34, 56));
    expect(parseIsoTimestamp('2024-02-29T12:34:56.789123Z')).toBe(Date.UTC(2024, 1, 29, 12, 34, 56, 789));
    expect(parseIsoTimestamp('2024-02-29T12:34:56.7Z')).toBe(Date.UTC(2024, 1, 29, 12, 34, 56, 700));
    expect(parseIsoTimestamp('2024-02-29T14:34:56+02:00')).toBe(Date.UTC(2024, 1, 29, 12, 34, 56));
    expect(parseIsoTimestamp('2024-02-29T07:04:56-0530')).toBe(Date.UTC(2024, 1, 29, 12, 34, 56));
    expect(parseIsoTimestamp('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
  });

  it('reads a date-time without offset as UTC, never local time', () => {
    expect(parseIsoTimestamp('2024-02-29T12:34:56')).toBe(Date.UTC(2024, 1, 29, 12, 34, 56));
    expect(parseIsoTimestamp('2024-02-29 12:34')).toBe(Date.UTC(2024, 1, 29, 12, 34));
  });

  it('rejects non-strings and impossible or foreign formats', () => {
    for (const value of [undefined, 1_700_000_000_000, 'now', '2023-02-29', '2024-01-01T24:00:00Z', '01/02/2024', 'Mon, 01 Jan 2024 00:00:00 GMT', '2024-01-01T00:00:00+25:00']) {
      expect(parseIsoTimestamp(value)).toBeUndefined();
    }
  });
});

describe('parseIsoTimestamp edge cases', () => {
  it('handles leap years, offsets and separators exactly', () => {
    expect(parseIsoTimestamp('1900-02-29')).toBeUndefined();
    expect(parseIsoTimestamp('2000-02-29T00:00:00Z')).toBe(Date.UTC(2000, 1, 29));
    expect(parseIsoTimestamp('2024-04-31')).toBeUndefined();
    expect(parseIsoTimestamp('2024-01-01T00:00:00.Z')).toBeUndefined();
    expect(parseIsoTimestamp('2024-01-01T00:00:00,5Z')).toBe(Date.UTC(2024, 0, 1, 0, 0, 0, 500));
    expect(parseIsoTimestamp('2024-01-01t01:00z')).toBe(Date.UTC(2024, 0, 1, 1));
    expect(parseIsoTimestamp('2024-01-01T01:00:00+01')).toBe(Date.UTC(2024, 0, 1, 0));
    expect(parseIsoTimestamp('2024-01-01T01:00:00+0:00')).toBeUndefined();
    expect(parseIsoTimestamp('2024-01-01T01:00:00Zjunk')).toBeUndefined();
    expect(parseIsoTimestamp('2024-1-01')).toBeUndefined();
    expect(parseIsoTimestamp('2024-01-01T1:00')).toBeUndefined();
  });

  it('keeps years below 100 as written (Date.UTC would read them as 19xx)', () => {
    expect(parseIsoTimestamp('0050-03-01T00:00:00Z')).toBe(Date.parse('0050-03-01T00:00:00.000Z'));
    expect(parseIsoTimestamp('0000-01-01')).toBe(Date.parse('0000-01-01T00:00:00.000Z'));
  });

  it('agrees with Date.parse on every instant of years 0–9999, whatever date it parsed before', () => {
    const instant = fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 });
    // Pairs of instants, often on one day (the cached date), sometimes years apart; some with an offset.
    const sameDay = fc.tuple(instant, fc.integer({ min: -86_400_000, max: 86_400_000 }));
    // [as written, minutes east of UTC]: the wall-clock time read in that zone is `at` minus the offset.
    const offset = fc.constantFrom(['Z', 0], ['+00:00', 0], ['+05:30', 330], ['-0800', -480], ['+14', 840], ['', 0]);
    fc.assert(
      fc.property(fc.array(fc.tuple(sameDay, offset), { minLength: 1, maxLength: 6 }), (instants) => {
        for (const [[ms, delta], [zone, minutes]] of instants) {
          for (const at of [ms, Math.min(Math.max(ms + delta, -62_167_219_200_000), 253_402_300_799_999)]) {
            const iso = new Date(at).toISOString().slice(0, -1) + zone;
            expect(parseIsoTimestamp(iso), iso).toBe(at - minutes * 60_000);
            if (zone === 'Z') expect(parseIsoTimestamp(iso)).toBe(Date.parse(iso));
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with Date.parse on toISOString output', () => {
    for (const ms of [0, 951_782_400_000, 1_700_000_000_123, 4_102_444_799_999]) {
      const iso = new Date(ms).toISOString();
      expect(parseIsoTimestamp(iso)).toBe(ms);
    }
  });
});

describe('formatIsoTimestamp', () => {
  it('writes what Date#toISOString writes, for every instant of years 0–9999 and beyond', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200_000 - 1000, max: 253_402_300_799_999 + 1000 }), (ms) => {
        expect(formatIsoTimestamp(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 5000 },
    );
    for (const ms of [0, -1, 86_399_999, 86_400_000, 951_782_400_000, -62_167_219_200_000, 253_402_300_799_999, 8.64e15]) {
      expect(formatIsoTimestamp(ms)).toBe(new Date(ms).toISOString());
    }
  });
});
