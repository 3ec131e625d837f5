import { describe, expect, it } from 'vitest';
import { parseIsoTimestamp } from './timestamps.js';

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
