import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backlogFillsBatch, backlogFitsOneBatch, cutBatches, emptyPlan, extendPlan, type RecordSize } from './batch-plan.js';

/** Records of the given payload sizes at contiguous offsets starting at 10. */
function records(...sizes: number[]): RecordSize[] {
  return sizes.map((payloadBytes, index) => ({ nextOffset: 11 + index, payloadBytes }));
}

describe('batch planning', () => {
  it('counts one newline per record against maxBatchBytes', () => {
    // 3 records of 9 payload bytes = 30 NDJSON bytes: exactly fits 30, splits at 29.
    expect(cutBatches(10, records(9, 9, 9), 30)).toEqual([{ firstOffset: 10, endOffset: 13, records: 3, ndjsonBytes: 30 }]);
    expect(cutBatches(10, records(9, 9, 9), 29)).toEqual([
      { firstOffset: 10, endOffset: 12, records: 2, ndjsonBytes: 20 },
      { firstOffset: 12, endOffset: 13, records: 1, ndjsonBytes: 10 },
    ]);
  });

  it('gives an oversized record a batch of its own rather than stalling', () => {
    expect(cutBatches(10, records(5, 500, 5), 100)).toEqual([
      { firstOffset: 10, endOffset: 11, records: 1, ndjsonBytes: 6 },
      { firstOffset: 11, endOffset: 12, records: 1, ndjsonBytes: 501 },
      { firstOffset: 12, endOffset: 13, records: 1, ndjsonBytes: 6 },
    ]);
    expect(extendPlan(emptyPlan(0), { nextOffset: 1, payloadBytes: 10_000 }, 1)).toBeDefined();
  });

  it('batches are contiguous, cover every record once, and stay within the limit unless single', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 200 }), fc.integer({ min: 1, max: 1_000 }), (sizes, max) => {
        const batches = cutBatches(10, records(...sizes), max);
        expect(batches.reduce((sum, batch) => sum + batch.records, 0)).toBe(sizes.length);
        let expectedStart = 10;
        for (const batch of batches) {
          expect(batch.firstOffset).toBe(expectedStart);
          expectedStart = batch.endOffset;
          if (batch.records > 1) expect(batch.ndjsonBytes).toBeLessThanOrEqual(max);
        }
        expect(expectedStart).toBe(10 + sizes.length);
      }),
    );
  });

  it('the size trigger fires once the NDJSON backlog reaches one batch', () => {
    expect(backlogFillsBatch({ records: 10, bytes: 89 }, 100)).toBe(false);
    expect(backlogFillsBatch({ records: 10, bytes: 90 }, 100)).toBe(true);
    expect(backlogFillsBatch({ records: 0, bytes: 0 }, 0)).toBe(false);
    expect(backlogFitsOneBatch({ records: 10, bytes: 90 }, 100)).toBe(true);
    expect(backlogFitsOneBatch({ records: 10, bytes: 91 }, 100)).toBe(false);
  });
});
