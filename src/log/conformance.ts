/**
 * The EventLog conformance suite (STYLE 11): every implementation runs these same tests unchanged
 * (`describeEventLogConformance('FileEventLog', harness)`). It only uses the `EventLog` interface and
 * assumes nothing about offsets beyond the contract: strictly increasing, chained by `nextOffset`,
 * compared but never computed. Every test uses fresh stream and consumer names (`randomUUID()`), so
 * an implementation backed by a shared server can run it too. Effects that may be asynchronous in a
 * distributed log (retention, listeners) are awaited with `eventually`.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppendRecord, EventLog, StoredRecord } from './event-log.js';

export interface EventLogHarness {
  /** Makes a fresh, empty log; `maxBytes` sets its disk budget (default: ample). */
  create(options?: { maxBytes?: number }): Promise<EventLog>;
  /** Closes `log` and opens the same storage again. Omit for logs that are not durable. */
  reopen?: (log: EventLog) => Promise<EventLog>;
  /**
   * Bytes of records after which retention can free space (the file log: its segment size). The
   * retention and disk-budget tests write several times this much; omit it to skip them.
   */
  retentionGranularityBytes?: number;
}

export function describeEventLogConformance(name: string, harness: EventLogHarness): void {
  describe(`EventLog conformance: ${name}`, () => {
    const opened: EventLog[] = [];
    const create = async (options?: { maxBytes?: number }): Promise<EventLog> => {
      const log = await harness.create(options);
      opened.push(log);
      return log;
    };
    const reopen = async (log: EventLog): Promise<EventLog> => {
      const again = await harness.reopen!(log);
      opened.push(again);
      return again;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((log) => log.close().catch(() => undefined)));
    });

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

    describe.skipIf(harness.retentionGranularityBytes === undefined)('retention and disk budget', () => {
      const granularity = harness.retentionGranularityBytes ?? 0;
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

    describe.skipIf(harness.reopen === undefined)('persistence', () => {
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
  });
}

/** Every record from `from` to the end, read in pages. */
export async function readAll(log: EventLog, stream: string, from: number): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  let offset = from;
  for (;;) {
    const page = await log.read(stream, offset, { maxRecords: 500 });
    if (page.length === 0) return out;
    out.push(...page);
    offset = page.at(-1)!.nextOffset;
  }
}

function makeRecords(count: number, tag: string): AppendRecord[] {
  return Array.from({ length: count }, (_, index) => ({ timestamp: 1_700_000_000_000 + index, data: Buffer.from(`${tag}-${index}`) }));
}

function text(record: StoredRecord): string {
  return record.data.toString();
}

function freshName(): string {
  return randomUUID();
}

function expectSameRecords(read: readonly StoredRecord[], written: readonly AppendRecord[]): void {
  expect(read.map(text)).toEqual(written.map((record) => Buffer.from(record.data).toString()));
  expect(read.map((record) => record.timestamp)).toEqual(written.map((record) => record.timestamp));
}

function expectChained(records: readonly StoredRecord[]): void {
  for (let index = 0; index < records.length; index++) {
    const record = records[index]!;
    expect(record.nextOffset).toBeGreaterThan(record.offset);
    if (index > 0) expect(record.offset).toBe(records[index - 1]!.nextOffset);
  }
}

/** Polls `condition` until true (effects a distributed log may apply asynchronously); fails after 5 s. */
async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
