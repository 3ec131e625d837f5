/**
 * Conformance sections on everything around the data: cursors, retention and the disk budget,
 * listeners, close, and persistence across a reopen.
 */
import { describe, expect, it } from 'vitest';
import { eventually, expectSameRecords, freshName, makeRecords, readAll, text, type ConformanceContext } from './conformance-support.js';
import type { AppendRecord, EventLog, StoredRecord } from './event-log.js';

export function describeLifecycle(context: ConformanceContext): void {
  const { create, reopen } = context;
  describe('cursors', () => {
    it('has no cursor until one is committed, then reads it back', async () => {
      const log = await create();
      const stream = freshName();
      const consumer = freshName();
      const { nextOffset } = await log.append(stream, makeRecords(2, 'a'));
      expect(log.cursor(stream, consumer)).toBeUndefined();
      await log.commitCursor(stream, consumer, nextOffset);
      expect(log.cursor(stream, consumer)).toBe(nextOffset);
    });

    it('keeps the cursors of several consumers apart, and forgets a removed one', async () => {
      const log = await create();
      const stream = freshName();
      const [one, two] = [freshName(), freshName()];
      const first = await log.append(stream, makeRecords(1, 'a'));
      const second = await log.append(stream, makeRecords(1, 'b'));
      await log.commitCursor(stream, one, first.nextOffset);
      await log.commitCursor(stream, two, second.nextOffset);
      expect(log.cursor(stream, one)).toBe(first.nextOffset);
      expect(log.cursor(stream, two)).toBe(second.nextOffset);
      await log.commitCursor(stream, one, second.nextOffset);
      expect(log.cursor(stream, one)).toBe(second.nextOffset);
      await log.removeConsumer(stream, two);
      expect(log.cursor(stream, two)).toBeUndefined();
      expect(log.cursor(stream, one)).toBe(second.nextOffset);
    });

    it('keeps everything of a stream without consumers', async () => {
      const log = await create();
      const stream = freshName();
      const { firstOffset } = await log.append(stream, makeRecords(20, 'a'));
      await log.commitCursor(freshName(), freshName(), 0);
      expect(log.startOffset(stream)).toBe(firstOffset);
      expect(await readAll(log, stream, 0)).toHaveLength(20);
    });
  });

  describe.skipIf(context.retentionGranularityBytes === undefined)('retention and disk budget', () => {
    const granularity = context.retentionGranularityBytes ?? 0;
    const recordBytes = 256;
    const bulk = (count: number, tag: string): AppendRecord[] =>
      Array.from({ length: count }, (_, index) => ({ timestamp: index, data: Buffer.from(`${tag}-${index}-`.padEnd(recordBytes, '.')) }));
    const recordsFor = (multiple: number): number => Math.ceil((multiple * granularity) / recordBytes);

    async function writeBulk(log: EventLog, stream: string, multiple: number): Promise<StoredRecord[]> {
      const records = bulk(recordsFor(multiple), 'r');
      for (let start = 0; start < records.length; start += 8) await log.append(stream, records.slice(start, start + 8));
      return readAll(log, stream, 0);
    }

    it('frees data behind every cursor, keeps data ahead of the slowest one', async () => {
      const log = await create();
      const stream = freshName();
      const written = await writeBulk(log, stream, 8);
      const [fast, slow] = [freshName(), freshName()];
      const middle = written[Math.floor(written.length / 2)]!;
      await log.commitCursor(stream, slow, middle.offset);
      await log.commitCursor(stream, fast, log.endOffset(stream));
      await eventually(() => log.startOffset(stream) > written[0]!.offset);
      expect(log.startOffset(stream)).toBeLessThanOrEqual(middle.offset);
      const ahead = await readAll(log, stream, middle.offset);
      expect(ahead.map(text)).toEqual(written.slice(written.length / 2 >> 0).map(text));
      const fromStart = await readAll(log, stream, 0);
      expect(fromStart[0]!.offset).toBe(log.startOffset(stream));
      expect(fromStart.at(-1)!.nextOffset).toBe(log.endOffset(stream));
    });

    it('frees data once the consumer holding it back is removed', async () => {
      const log = await create();
      const stream = freshName();
      const written = await writeBulk(log, stream, 6);
      const [done, stuck] = [freshName(), freshName()];
      await log.commitCursor(stream, stuck, written[0]!.offset);
      await log.commitCursor(stream, done, log.endOffset(stream));
      expect(log.startOffset(stream)).toBe(written[0]!.offset);
      const usedBefore = log.usage().bytes;
      await log.removeConsumer(stream, stuck);
      await eventually(() => log.startOffset(stream) > written[written.length >> 1]!.offset);
      expect(log.usage().bytes).toBeLessThan(usedBefore);
    });

    it('rejects with log_full, writing nothing, and accepts again once consumed data is freed', async () => {
      const maxBytes = granularity * 12;
      const log = await create({ maxBytes });
      const stream = freshName();
      let rejection: unknown;
      for (let attempt = 0; attempt < recordsFor(14) && rejection === undefined; attempt += 4) {
        await log.append(stream, bulk(4, `f${attempt}`)).catch((error: unknown) => {
          rejection = error;
        });
      }
      expect(rejection).toMatchObject({ code: 'log_full' });
      expect((rejection as { retryAfterSeconds?: number }).retryAfterSeconds).toBeGreaterThan(0);
      expect(log.usage().maxBytes).toBe(maxBytes);
      expect(log.usage().bytes).toBeLessThanOrEqual(maxBytes);
      const end = log.endOffset(stream);
      const before = await readAll(log, stream, 0);
      await expect(log.append(stream, bulk(4, 'again'))).rejects.toMatchObject({ code: 'log_full' });
      expect(log.endOffset(stream)).toBe(end);
      expect(await readAll(log, stream, 0)).toHaveLength(before.length);

      await log.commitCursor(stream, freshName(), end);
      await eventually(async () => {
        const accepted = await log.append(stream, bulk(4, 'after')).then(
          () => true,
          () => false,
        );
        return accepted;
      });
      const tail = await readAll(log, stream, end);
      expect(tail.slice(0, 4).map(text)).toEqual(bulk(4, 'after').map((record) => Buffer.from(record.data).toString()));
    });
  });

  describe('onAppend', () => {
    it('tells listeners the new end after a durable append, until unsubscribed', async () => {
      const log = await create();
      const stream = freshName();
      const seen: number[] = [];
      const unsubscribe = log.onAppend((appendedStream, endOffset) => {
        if (appendedStream === stream) seen.push(endOffset);
      });
      const first = await log.append(stream, makeRecords(2, 'a'));
      await eventually(() => seen.includes(first.nextOffset));
      unsubscribe();
      await log.append(stream, makeRecords(1, 'b'));
      const marker = freshName();
      const markerSeen = new Promise<void>((resolve) => log.onAppend((name) => name === marker && resolve()));
      await log.append(marker, makeRecords(1, 'm'));
      await markerSeen;
      expect(seen).toEqual([first.nextOffset]);
    });
  });

  describe('close', () => {
    it('finishes in-flight appends, then refuses further calls', async () => {
      const log = await create();
      const stream = freshName();
      const inFlight = Array.from({ length: 10 }, (_, index) => log.append(stream, makeRecords(2, `w${index}`)));
      await log.close();
      const results = await Promise.all(inFlight);
      expect(results).toHaveLength(10);
      await expect(log.append(stream, makeRecords(1, 'late'))).rejects.toThrow();
      await expect(log.read(stream, 0)).rejects.toThrow();
      expect(log.isWritable()).toBe(false);
    });

    it('is writable while open', async () => {
      const log = await create();
      expect(log.isWritable()).toBe(true);
    });
  });

  describe.skipIf(!context.canReopen)('persistence', () => {
    it('keeps records, offsets, cursors and streams across a reopen', async () => {
      const log = await create();
      const stream = freshName();
      const consumer = freshName();
      const records = makeRecords(25, 'k');
      const first = await log.append(stream, records.slice(0, 10));
      const second = await log.append(stream, records.slice(10));
      await log.commitCursor(stream, consumer, first.nextOffset);
      const inFlight = log.append(stream, makeRecords(1, 'last'));
      const reopened = await reopen(log);
      const last = await inFlight;
      expect(reopened.endOffset(stream)).toBe(last.nextOffset);
      expect(reopened.cursor(stream, consumer)).toBe(first.nextOffset);
      expect(reopened.streams()).toContain(stream);
      const read = await readAll(reopened, stream, 0);
      expectSameRecords(read.slice(0, 25), records);
      expect(read[10]!.offset).toBe(second.firstOffset);
      expect(text(read[25]!)).toBe('last-0');
      const next = await reopened.append(stream, makeRecords(1, 'next'));
      expect(next.firstOffset).toBe(last.nextOffset);
    });
  });
}
