/**
 * Conformance section on `span`: measuring a run of whole records against an end offset and a weight
 * budget, as a reader of bounded batches (delivery) plans one before reading it.
 */
import { describe, expect, it } from 'vitest';
import { freshName, readAll, type ConformanceContext } from './conformance-support.js';
import type { EventLog, Span, SpanOptions, StoredRecord } from './event-log.js';
import { seededRandom } from './test-support/seeded-random.js';

/** What `span` must answer, worked out from the records as read. */
export function expectedSpan(all: readonly StoredRecord[], fromOffset: number, options: SpanOptions): Omit<Span, 'firstOffset' | 'nextOffset'> & { first?: number; next?: number } {
  const endOffset = options.endOffset ?? Number.POSITIVE_INFINITY;
  const candidates = all.filter((record) => record.offset >= fromOffset && record.offset < endOffset);
  let weight = 0;
  let records = 0;
  let bytes = 0;
  for (const record of candidates) {
    const recordWeight = record.data.byteLength + (options.bytesPerRecord ?? 0);
    if (records > 0 && weight + recordWeight > options.maxWeight) {
      return { records, bytes, full: true, first: candidates[0]!.offset, next: record.offset };
    }
    weight += recordWeight;
    bytes += record.data.byteLength;
    records++;
  }
  return { records, bytes, full: false, first: candidates[0]?.offset, next: candidates.at(-1)?.nextOffset };
}

export function expectSpan(actual: Span, expected: ReturnType<typeof expectedSpan>): void {
  expect({ records: actual.records, bytes: actual.bytes, full: actual.full }).toEqual({ records: expected.records, bytes: expected.bytes, full: expected.full });
  if (expected.records > 0) {
    expect(actual.firstOffset).toBe(expected.first);
    expect(actual.nextOffset).toBe(expected.next);
  } else {
    expect(actual.nextOffset).toBe(actual.firstOffset);
  }
}

async function appendSized(log: EventLog, stream: string, sizes: readonly number[]): Promise<StoredRecord[]> {
  await log.append(stream, sizes.map((size, index) => ({ timestamp: index, data: Buffer.alloc(size, index % 251) })));
  return readAll(log, stream, 0);
}

export function describeSpan({ create }: ConformanceContext): void {
  describe('span', () => {
    it('is empty for an unknown stream and from the end', async () => {
      const log = await create();
      const stream = freshName();
      expect(await log.span(stream, 0, { maxWeight: 100 })).toMatchObject({ records: 0, bytes: 0, full: false });
      await appendSized(log, stream, [10, 10]);
      const end = log.endOffset(stream);
      expect(await log.span(stream, end, { maxWeight: 100 })).toEqual({ firstOffset: end, nextOffset: end, records: 0, bytes: 0, full: false });
    });

    it('weighs payload plus bytesPerRecord and stops before the record that would exceed maxWeight', async () => {
      const log = await create();
      const stream = freshName();
      const all = await appendSized(log, stream, [9, 9, 9, 9, 9]);
      // Four records of 9 + 1 weigh exactly 40: they fit, and the fifth makes the span full.
      expect(await log.span(stream, 0, { maxWeight: 40, bytesPerRecord: 1 })).toEqual({
        firstOffset: all[0]!.offset,
        nextOffset: all[4]!.offset,
        records: 4,
        bytes: 36,
        full: true,
      });
      expect(await log.span(stream, 0, { maxWeight: 39, bytesPerRecord: 1 })).toMatchObject({ records: 3, nextOffset: all[3]!.offset, full: true });
      expect(await log.span(stream, 0, { maxWeight: 50, bytesPerRecord: 1 })).toMatchObject({ records: 5, nextOffset: log.endOffset(stream), full: false });
      expect(await log.span(stream, 0, { maxWeight: 45 })).toMatchObject({ records: 5, bytes: 45, full: false });
    });

    it('takes a first record heavier than maxWeight alone, full only when a record follows', async () => {
      const log = await create();
      const stream = freshName();
      // Two appends, and a first record larger than a small segment: a log with segments may hold the
      // two in different ones, and must still see that a record follows.
      await appendSized(log, stream, [5_000]);
      const all = await appendSized(log, stream, [5]);
      expect(await log.span(stream, 0, { maxWeight: 100 })).toEqual({ firstOffset: all[0]!.offset, nextOffset: all[1]!.offset, records: 1, bytes: 5_000, full: true });
      expect(await log.span(stream, 0, { maxWeight: 100, endOffset: all[1]!.offset })).toMatchObject({ records: 1, full: false });
      expect(await log.span(stream, 0, { maxWeight: 0 })).toMatchObject({ records: 1, bytes: 5_000, full: true });
    });

    it('holds only records before endOffset, and starts at the retained start when asked from below it', async () => {
      const log = await create();
      const stream = freshName();
      const all = await appendSized(log, stream, [1, 2, 3, 4, 5]);
      expect(await log.span(stream, -1, { maxWeight: 1_000, endOffset: all[3]!.offset })).toEqual({
        firstOffset: all[0]!.offset,
        nextOffset: all[3]!.offset,
        records: 3,
        bytes: 6,
        full: false,
      });
      expect(await log.span(stream, all[1]!.offset, { maxWeight: 1_000, endOffset: all[1]!.offset })).toMatchObject({ records: 0 });
      expect(await log.span(stream, all[2]!.offset, { maxWeight: 1_000, endOffset: Number.MAX_SAFE_INTEGER })).toMatchObject({ records: 3, bytes: 12 });
    });

    it('agrees with the records as read, for many starts, ends and budgets across the whole stream', async () => {
      const log = await create();
      const stream = freshName();
      const next = seededRandom(21);
      const sizes = Array.from({ length: 600 }, () => (next() < 0.02 ? 3_000 + Math.floor(next() * 6_000) : Math.floor(next() * 300)));
      // Several appends, so a log with segments rolls between and within them.
      for (let at = 0; at < sizes.length; at += 150) await appendSized(log, stream, sizes.slice(at, at + 150));
      const all = await readAll(log, stream, 0);
      const boundaries = [...all.map((record) => record.offset), log.endOffset(stream)];
      for (let trial = 0; trial < 300; trial++) {
        const from = boundaries[Math.floor(next() * boundaries.length)]!;
        const endOffset = next() < 0.3 ? undefined : boundaries[Math.floor(next() * boundaries.length)]!;
        const options: SpanOptions = { maxWeight: Math.floor(next() * 30_000), bytesPerRecord: Math.floor(next() * 3), endOffset };
        expectSpan(await log.span(stream, from, options), expectedSpan(all, from, options));
      }
    });

    it('refuses a negative or fractional maxWeight or bytesPerRecord', async () => {
      const log = await create();
      const stream = freshName();
      await appendSized(log, stream, [1]);
      await expect(log.span(stream, 0, { maxWeight: -1 })).rejects.toThrow(RangeError);
      await expect(log.span(stream, 0, { maxWeight: 1.5 })).rejects.toThrow(RangeError);
      await expect(log.span(stream, 0, { maxWeight: 10, bytesPerRecord: -1 })).rejects.toThrow(RangeError);
    });
  });
}
