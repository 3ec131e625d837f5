/**
 * Keeps docs/errors.md and the code catalog (codes.ts) in sync (STYLE 6): every code has exactly one
 * row with the same status, and the table has no row for a code that does not exist.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCodes } from './codes.js';

const docsPath = new URL('../../docs/errors.md', import.meta.url);

function documentedCodes(): Map<string, number[]> {
  const rows = new Map<string, number[]>();
  for (const line of readFileSync(docsPath, 'utf8').split('\n')) {
    const match = /^\|\s*`([a-z0-9_]+)`\s*\|\s*(\d{3})\s*\|/.exec(line);
    if (!match) continue;
    rows.set(match[1]!, [...(rows.get(match[1]!) ?? []), Number(match[2])]);
  }
  return rows;
}

describe('docs/errors.md', () => {
  const documented = documentedCodes();

  it('documents every code of codes.ts once, with its status', () => {
    const expected = Object.entries(errorCodes).map(([code, { status }]) => [code, [status]]);
    const actual = Object.keys(errorCodes).map((code) => [code, documented.get(code) ?? []]);
    expect(actual).toEqual(expected);
  });

  it('documents no code that codes.ts lacks', () => {
    const unknown = [...documented.keys()].filter((code) => !(code in errorCodes));
    expect(unknown).toEqual([]);
  });

  it('uses snake_case codes and HTTP error statuses', () => {
    for (const [code, { status, message }] of Object.entries(errorCodes)) {
      expect(code).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(600);
      expect(message.length).toBeGreaterThan(0);
    }
  });
});
