/**
 * Conformance sections on appending and reading: order, offsets, atomicity, concurrency, read limits
 * and backlog.
 */
import { describe, expect, it } from 'vitest';
import { expectChained, expectSameRecords, freshName, makeRecords, readAll, text, type ConformanceContext } from './conformance-support.js';
import type { StoredRecord } from './event-log.js';

export function describeAppendAndRead({ create }: ConformanceContext): void {
  describe('append and read', () => {
    it('reads back what was appended, in order, with chained offsets', async () => {
      const log = await create();
      const stream = freshName();
      const records = makeRecords(10, 'a');
      const result = await log.append(stream, records);
      const read = await readAll(log, stream, log.startOffset(stream));
      expectSameRecords(read, records);
      expect(read[0]!.offset).toBe(result.firstOffset);
      expect(read.at(-1)!.nextOffset).toBe(result.nextOffset);
      expect(log.endOffset(stream)).toBe(result.nextOffset);
      expectChained(read);
    });

    it('chains successive appends: each starts where the previous ended', async () => {
      const log = await create();
      const stream = freshName();
      const first = await log.append(stream, makeRecords(3, 'a'));
      const second = await log.append(stream, makeRecords(2, 'b'));
      expect(first.firstOffset).toBeLessThan(first.nextOffset);
      expect(second.firstOffset).toBe(first.nextOffset);
      expect(second.nextOffset).toBeGreaterThan(second.firstOffset);
      expect(log.endOffset(stream)).toBe(second.nextOffset);
      const read = await readAll(log, stream, first.firstOffset);
      expect(read.map(text)).toEqual(['a-0', 'a-1', 'a-2', 'b-0', 'b-1']);
      expectChained(read);
    });

    it('keeps streams apart', async () => {
      const log = await create();
      const [one, two] = [freshName(), freshName()];
      await log.append(one, makeRecords(2, 'one'));
      await log.append(two, makeRecords(3, 'two'));
      expect((await readAll(log, one, 0)).map(text)).toEqual(['one-0', 'one-1']);
      expect((await readAll(log, two, 0)).map(text)).toEqual(['two-0', 'two-1', 'two-2']);
      expect(log.streams()).toEqual(expect.arrayContaining([one, two]));
    });

    it('keeps no reference to appended bytes once the append settles: the caller may reuse them', async () => {
      const log = await create();
      const stream = freshName();
      const memory = Buffer.from('first-0first-1');
      await log.append(stream, [
        { timestamp: 1, data: memory.subarray(0, 7) },
        { timestamp: 2, data: memory.subarray(7) },
      ]);
      memory.write('reused-reused-');
      await log.append(stream, [{ timestamp: 3, data: memory.subarray(0, 7) }]);
      expect((await readAll(log, stream, 0)).map(text)).toEqual(['first-0', 'first-1', 'reused-']);
    });

    it('reads into a caller buffer: the same records, at least one per read, the whole stream by reading on', async () => {
      const log = await create();
      const stream = freshName();
      const records = [...makeRecords(20, 'small'), { timestamp: 9, data: Buffer.alloc(3000, 'L') }, ...makeRecords(5, 'after')];
      await log.append(stream, records.slice(0, 10));
      await log.append(stream, records.slice(10));
      const into = Buffer.alloc(256);
      const seen: string[] = [];
      let offset = 0;
      for (let reads = 0; offset < log.endOffset(stream); reads++) {
        expect(reads).toBeLessThan(100);
        const chunk = await log.read(stream, offset, { into });
        expect(chunk.length).toBeGreaterThan(0);
        // Copied before the next read may overwrite the buffer.
        for (const record of chunk) seen.push(Buffer.from(record.data).toString('latin1'));
        offset = chunk.at(-1)!.nextOffset;
      }
      expect(seen).toEqual(records.map((record) => Buffer.from(record.data).toString('latin1')));
      const whole = await readAll(log, stream, 0);
      expect(whole.map((record) => Buffer.from(record.data).toString('latin1'))).toEqual(seen);
    });

    it('stores empty and binary payloads byte for byte', async () => {
      const log = await create();
      const stream = freshName();
      const binary = Uint8Array.from({ length: 256 }, (_, index) => index);
      await log.append(stream, [
        { timestamp: 1, data: new Uint8Array(0) },
        { timestamp: 2, data: binary },
      ]);
      const read = await readAll(log, stream, 0);
      expect(read.map((record) => record.timestamp)).toEqual([1, 2]);
      expect(read[0]!.data.byteLength).toBe(0);
      expect(Buffer.compare(read[1]!.data, Buffer.from(binary))).toBe(0);
    });

    it('answers an unknown stream with offsets 0, no records and no backlog', async () => {
      const log = await create();
      const stream = freshName();
      expect(log.startOffset(stream)).toBe(0);
      expect(log.endOffset(stream)).toBe(0);
      expect(await log.read(stream, 0)).toEqual([]);
      expect(await log.backlog(stream, 0)).toEqual({ records: 0, bytes: 0 });
    });

    it('reads nothing from the end or beyond, and from the start when asked for less', async () => {
      const log = await create();
      const stream = freshName();
      const { firstOffset, nextOffset } = await log.append(stream, makeRecords(3, 'a'));
      expect(await log.read(stream, nextOffset)).toEqual([]);
      expect(await log.read(stream, nextOffset + 1_000_000)).toEqual([]);
      const fromBelow = await log.read(stream, firstOffset - 1, { maxRecords: 10 });
      expect(fromBelow.map(text)).toEqual(['a-0', 'a-1', 'a-2']);
      expect(log.startOffset(stream)).toBe(firstOffset);
    });

    it('appends all records of a call or none: a bad record rejects the whole call', async () => {
      const log = await create();
      const stream = freshName();
      await log.append(stream, makeRecords(1, 'before'));
      const end = log.endOffset(stream);
      const bad = [...makeRecords(2, 'good'), { timestamp: 3, data: 'not bytes' as unknown as Uint8Array }];
      await expect(log.append(stream, bad)).rejects.toThrow();
      expect(log.endOffset(stream)).toBe(end);
      const after = await log.append(stream, makeRecords(1, 'after'));
      expect(after.firstOffset).toBe(end);
      expect((await readAll(log, stream, 0)).map(text)).toEqual(['before-0', 'after-0']);
    });

    it('keeps each of many concurrent appends contiguous and in order', async () => {
      const log = await create();
      const stream = freshName();
      const calls = Array.from({ length: 40 }, (_, call) => makeRecords(1 + (call % 5), `c${call}`));
      const results = await Promise.all(calls.map((records) => log.append(stream, records)));
      const read = await readAll(log, stream, 0);
      expect(read).toHaveLength(calls.reduce((sum, records) => sum + records.length, 0));
      expectChained(read);
      const byOffset = new Map(read.map((record, index) => [record.offset, index]));
      results.forEach((result, call) => {
        const start = byOffset.get(result.firstOffset);
        expect(start).toBeDefined();
        const slice = read.slice(start, start! + calls[call]!.length);
        expect(slice.map(text)).toEqual(calls[call]!.map((record) => Buffer.from(record.data).toString()));
        expect(slice.at(-1)!.nextOffset).toBe(result.nextOffset);
      });
    });
  });

  describe('read limits', () => {
    it('stops at maxRecords', async () => {
      const log = await create();
      const stream = freshName();
      await log.append(stream, makeRecords(10, 'a'));
      const read = await log.read(stream, 0, { maxRecords: 4 });
      expect(read.map(text)).toEqual(['a-0', 'a-1', 'a-2', 'a-3']);
      const rest = await log.read(stream, read.at(-1)!.nextOffset, { maxRecords: 100 });
      expect(rest.map(text)).toEqual(['a-4', 'a-5', 'a-6', 'a-7', 'a-8', 'a-9']);
    });

    it('stops before maxBytes of payload would be exceeded', async () => {
      const log = await create();
      const stream = freshName();
      await log.append(stream, Array.from({ length: 10 }, () => ({ timestamp: 1, data: Buffer.alloc(100, 7) })));
      const read = await log.read(stream, 0, { maxBytes: 350 });
      expect(read).toHaveLength(3);
      expect((await log.read(stream, 0, { maxBytes: 300 }))).toHaveLength(3);
    });

    it('returns one record even when it alone is larger than maxBytes', async () => {
      const log = await create();
      const stream = freshName();
      await log.append(stream, [{ timestamp: 1, data: Buffer.alloc(5000, 1) }, { timestamp: 2, data: Buffer.alloc(10, 2) }]);
      const read = await log.read(stream, 0, { maxBytes: 100 });
      expect(read).toHaveLength(1);
      expect(read[0]!.data.byteLength).toBe(5000);
    });

    it('pages through a stream by nextOffset without loss or repetition', async () => {
      const log = await create();
      const stream = freshName();
      const records = makeRecords(57, 'p');
      for (let start = 0; start < records.length; start += 10) await log.append(stream, records.slice(start, start + 10));
      const pages: StoredRecord[] = [];
      let from = log.startOffset(stream);
      for (;;) {
        const page = await log.read(stream, from, { maxRecords: 7, maxBytes: 40 });
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(7);
        pages.push(...page);
        from = page.at(-1)!.nextOffset;
      }
      expectSameRecords(pages, records);
    });
  });

  describe('backlog', () => {
    it('counts records and payload bytes from an offset to the end', async () => {
      const log = await create();
      const stream = freshName();
      const sizes = [10, 20, 30, 40];
      await log.append(stream, sizes.map((size) => ({ timestamp: 1, data: Buffer.alloc(size) })));
      const read = await readAll(log, stream, 0);
      expect(await log.backlog(stream, 0)).toEqual({ records: 4, bytes: 100 });
      expect(await log.backlog(stream, read[2]!.offset)).toEqual({ records: 2, bytes: 70 });
      expect(await log.backlog(stream, log.endOffset(stream))).toEqual({ records: 0, bytes: 0 });
    });
  });

  describe('tailOffset', () => {
    it('points at a record whose suffix holds the recent tail, and at the start when asked for everything', async () => {
      const log = await create();
      const stream = freshName();
      expect(log.tailOffset(stream, 1_000)).toBe(0);
      const records = makeRecords(2_000, 'tail');
      for (let at = 0; at < records.length; at += 250) await log.append(stream, records.slice(at, at + 250));
      const all = await readAll(log, stream, 0);
      const offsets = new Set([...all.map((record) => record.offset), log.endOffset(stream)]);
      expect(log.tailOffset(stream, Number.MAX_SAFE_INTEGER)).toBe(log.startOffset(stream));
      for (const maxBytes of [0, 100, 1_000, 10_000]) {
        const offset = log.tailOffset(stream, maxBytes);
        // A record boundary, so reading from it yields a whole suffix of the stream, ending at the end.
        expect(offsets.has(offset)).toBe(true);
        const tail = await readAll(log, stream, offset);
        expect(tail.map(text)).toEqual(all.slice(all.length - tail.length).map(text));
      }
      // With realistic record sizes the tail is about what was asked: per-record overhead (frame headers)
      // may take a few percent, an index step (≤ 64 KiB) may add some.
      const wide = freshName();
      const payload = Buffer.alloc(400, 'x');
      for (let round = 0; round < 4; round++) await log.append(wide, Array.from({ length: 500 }, () => ({ timestamp: 1, data: payload })));
      const tailBytes = (await readAll(log, wide, log.tailOffset(wide, 100_000))).reduce((sum, record) => sum + record.data.byteLength, 0);
      expect(tailBytes).toBeGreaterThanOrEqual(90_000);
      expect(tailBytes).toBeLessThanOrEqual(100_000 + 64 * 1024 + 400);
    });
  });
}
