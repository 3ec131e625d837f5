import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { MemoryEventLog } from '../log/memory-event-log.js';
import { backlogFillsBatch } from './batch-plan.js';
import { deliveryBatch, planNextBatch, readChunkBytes, type NextBatch } from './batch-reader.js';

async function logWith(sizes: number[]) {
  const log = new MemoryEventLog();
  await log.append('s', sizes.map((size) => ({ timestamp: 0, data: Buffer.alloc(size, 120) })));
  return log;
}

/** Every batch from `from` to `limit`, each planned where the previous one ended. */
async function planAll(log: MemoryEventLog, from: number, limit: number, maxBatchBytes: number): Promise<NextBatch[]> {
  const batches: NextBatch[] = [];
  for (let next = await planNextBatch(log, 's', from, limit, maxBatchBytes); next; next = await planNextBatch(log, 's', next.plan.endOffset, limit, maxBatchBytes)) {
    batches.push(next);
  }
  return batches;
}

describe('planNextBatch', () => {
  it('counts one newline per record against maxBatchBytes', async () => {
    // 3 records of 9 payload bytes = 30 NDJSON bytes: exactly fits 30, splits at 29.
    const log = await logWith([9, 9, 9]);
    expect((await planAll(log, 0, 3, 30)).map((next) => next.plan)).toEqual([{ firstOffset: 0, endOffset: 3, records: 3, ndjsonBytes: 30 }]);
    expect((await planAll(log, 0, 3, 29)).map((next) => next.plan)).toEqual([
      { firstOffset: 0, endOffset: 2, records: 2, ndjsonBytes: 20 },
      { firstOffset: 2, endOffset: 3, records: 1, ndjsonBytes: 10 },
    ]);
  });

  it('gives an oversized record a batch of its own rather than stalling', async () => {
    const log = await logWith([5, 500, 5]);
    expect(await planAll(log, 0, 3, 100)).toEqual([
      { plan: { firstOffset: 0, endOffset: 1, records: 1, ndjsonBytes: 6 }, full: true },
      { plan: { firstOffset: 1, endOffset: 2, records: 1, ndjsonBytes: 501 }, full: true },
      { plan: { firstOffset: 2, endOffset: 3, records: 1, ndjsonBytes: 6 }, full: false },
    ]);
  });

  it('cuts contiguous batches that cover every record once and stay within the limit unless single', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 200 }), fc.integer({ min: 1, max: 1_000 }), async (sizes, max) => {
        const log = await logWith(sizes);
        const batches = await planAll(log, 0, sizes.length, max);
        expect(batches.reduce((sum, next) => sum + next.plan.records, 0)).toBe(sizes.length);
        let expectedStart = 0;
        for (const [at, { plan, full }] of batches.entries()) {
          expect(plan.firstOffset).toBe(expectedStart);
          expectedStart = plan.endOffset;
          if (plan.records > 1) expect(plan.ndjsonBytes).toBeLessThanOrEqual(max);
          // Every batch but the last was cut at the limit, so it is full; the last is full only if it fills one.
          expect(full).toBe(at < batches.length - 1 || plan.ndjsonBytes >= max);
        }
        expect(expectedStart).toBe(sizes.length);
      }),
    );
  });

  it('the size trigger fires once the NDJSON backlog reaches one batch', () => {
    expect(backlogFillsBatch({ records: 10, bytes: 89 }, 100)).toBe(false);
    expect(backlogFillsBatch({ records: 10, bytes: 90 }, 100)).toBe(true);
    expect(backlogFillsBatch({ records: 0, bytes: 0 }, 0)).toBe(false);
  });

  it('a backlog of exactly maxBatchBytes is one full batch (the size trigger must not spin)', async () => {
    const log = await logWith([9, 9, 9, 9]);
    expect(await planNextBatch(log, 's', 0, 4, 40)).toEqual({ plan: { firstOffset: 0, endOffset: 4, records: 4, ndjsonBytes: 40 }, full: true });
    expect(await planNextBatch(log, 's', 0, 4, 41)).toMatchObject({ full: false });
  });

  it('cuts at maxBatchBytes and never past the limit offset', async () => {
    const log = await logWith([9, 9, 9, 9, 9]);
    expect(await planNextBatch(log, 's', 0, 5, 25)).toEqual({ plan: { firstOffset: 0, endOffset: 2, records: 2, ndjsonBytes: 20 }, full: true });
    expect(await planNextBatch(log, 's', 1, 3, 1_000)).toEqual({ plan: { firstOffset: 1, endOffset: 3, records: 2, ndjsonBytes: 20 }, full: false });
    expect(await planNextBatch(log, 's', 5, 5, 1_000)).toBeUndefined();
  });

  it("a batch's chunks() re-read exactly its range, every time", async () => {
    const log = await logWith([1, 2, 3, 4, 5]);
    const batch = deliveryBatch(log, 's', 1, 4);
    for (let pass = 0; pass < 2; pass++) {
      const sizes: number[] = [];
      for await (const chunk of batch.chunks()) for (const record of chunk) sizes.push(record.data.byteLength);
      expect(sizes).toEqual([2, 3, 4]);
    }
  });

  it('reuses read buffers from one read to the next, also after a reader stopped early', async () => {
    const log = await logWith([5, 5, 5]);
    const batch = deliveryBatch(log, 's', 0, 3);
    for await (const chunk of batch.chunks()) if (chunk.length > 0) break;
    await planNextBatch(log, 's', 0, 2, 1_000);
    const allocate = vi.spyOn(Buffer, 'allocUnsafeSlow');
    try {
      for await (const chunk of batch.chunks()) expect(chunk).toHaveLength(3);
      await planNextBatch(log, 's', 0, 2, 1_000);
      expect(allocate.mock.calls.filter(([bytes]) => bytes >= readChunkBytes)).toHaveLength(0);
    } finally {
      allocate.mockRestore();
    }
  });

  it('reads a batch larger than one read chunk in several chunks, in order, each record once', async () => {
    // ~2.5 read chunks of records, then more records after the batch's end that must not be yielded.
    const size = 10_000;
    const inBatch = Math.ceil((readChunkBytes * 2.5) / size);
    const log = new MemoryEventLog();
    await log.append('s', Array.from({ length: inBatch + 20 }, (_, index) => ({ timestamp: 0, data: Buffer.alloc(size).fill(index % 251) })));
    const chunkSizes: number[] = [];
    const seen: number[] = [];
    for await (const chunk of deliveryBatch(log, 's', 0, inBatch).chunks()) {
      chunkSizes.push(chunk.length);
      for (const record of chunk) seen.push(record.data[size - 1]!);
    }
    expect(seen).toEqual(Array.from({ length: inBatch }, (_, index) => index % 251));
    expect(chunkSizes.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...chunkSizes) * size).toBeLessThanOrEqual(readChunkBytes);
  });
});
