/**
 * FileEventLog backlog against a brute-force count (every record read back), at many record boundaries,
 * across segment rolls, after reopen (recovered last segment, lazily indexed sealed ones) and after
 * retention; and the cost bound: a count from the middle of a big segment reads at most the index
 * spacing, measured with the log's own `backlogReadBytes` counter (no timing).
 */
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AppendRecord, Backlog, StoredRecord } from './event-log.js';
import { FileEventLog } from './file-event-log.js';
import { InvalidOffsetError, LogCorruptionError } from './log-errors.js';
import { INDEX_SPACING_BYTES } from './segment-index.js';
import { readEverything } from './test-support/read-everything.js';
import { useTempDirectories } from './test-support/temp-directories.js';

const tempDirectory = useTempDirectories();
const ROOMY = 1024 ** 3;

/** Payload sizes that vary (deterministically), with a few records larger than the index spacing. */
function payloadSize(at: number): number {
  if (at % 97 === 50) return INDEX_SPACING_BYTES + 1000 + at;
  return 20 + ((at * 7919) % 1500);
}

function makeRecords(from: number, count: number): AppendRecord[] {
  return Array.from({ length: count }, (_, at) => ({ timestamp: from + at, data: Buffer.alloc(payloadSize(from + at), (from + at) % 251) }));
}

/**
 * Appends `total` records as waves of concurrent appends of varied sizes, so groups hold several
 * appends, yet stay small enough for segments to roll (a group goes wholly into one segment).
 */
async function appendConcurrently(log: FileEventLog, stream: string, from: number, total: number): Promise<void> {
  let next = from;
  while (next < from + total) {
    const wave: Promise<unknown>[] = [];
    for (let at = 0; at < 6 && next < from + total; at++) {
      const count = Math.min(1 + (next % 13), from + total - next);
      wave.push(log.append(stream, makeRecords(next, count)));
      next += count;
    }
    await Promise.all(wave);
  }
}

/** The backlog from every record boundary, by brute force: how many records and payload bytes follow. */
function bruteForce(records: readonly StoredRecord[]): Map<number, Backlog> {
  const expected = new Map<number, Backlog>();
  let bytes = 0;
  for (let at = records.length - 1; at >= 0; at--) {
    bytes += records[at]!.data.byteLength;
    expected.set(records[at]!.offset, { records: records.length - at, bytes });
  }
  return expected;
}

/** Checks every boundary; with `bounded`, also that no count reads more than the index spacing. */
async function expectBacklogAtEveryBoundary(log: FileEventLog, stream: string, bounded = false): Promise<StoredRecord[]> {
  const records = await readEverything(log, stream);
  for (const [offset, backlog] of bruteForce(records)) {
    const readBefore = log.stats().backlogReadBytes;
    expect(await log.backlog(stream, offset), `from ${offset}`).toEqual(backlog);
    if (bounded) expect(log.stats().backlogReadBytes - readBefore).toBeLessThanOrEqual(INDEX_SPACING_BYTES);
  }
  expect(await log.backlog(stream, log.endOffset(stream))).toEqual({ records: 0, bytes: 0 });
  return records;
}

function segmentCount(directory: string): Promise<number> {
  return readdir(join(directory, 'streams', 's')).then((names) => names.filter((name) => name.endsWith('.seg')).length);
}

describe('FileEventLog backlog', () => {
  it('matches a brute-force count at every record boundary, across rolls, after reopen and after retention', async () => {
    const directory = await tempDirectory();
    const openLog = (): Promise<FileEventLog> => FileEventLog.open({ directory, maxBytes: ROOMY, segmentBytes: 512 * 1024 });
    let log = await openLog();
    await appendConcurrently(log, 's', 0, 900);
    expect(await segmentCount(directory)).toBeGreaterThan(2);
    // Every segment was indexed by the writer, records larger than the spacing included.
    const written = await expectBacklogAtEveryBoundary(log, 's', true);
    expect(written).toHaveLength(900);
    expect(await log.backlog('s', -5)).toEqual(await log.backlog('s', 0));

    // Reopen: the last segment is indexed by recovery, the sealed ones on first need.
    await log.close();
    log = await openLog();
    await expectBacklogAtEveryBoundary(log, 's');
    // Now the sealed segments are indexed too.
    await expectBacklogAtEveryBoundary(log, 's', true);
    // The recovered index is carried on by the writer.
    await appendConcurrently(log, 's', 900, 300);
    expect(await expectBacklogAtEveryBoundary(log, 's')).toHaveLength(1200);

    // Retention drops segments (and their indexes); counts from the cursor and from below it stay right.
    const cursor = written[450]!.offset;
    await log.commitCursor('s', 'c', cursor);
    expect(log.startOffset('s')).toBeGreaterThan(0);
    const kept = await expectBacklogAtEveryBoundary(log, 's');
    expect(await log.backlog('s', 0)).toEqual({ records: kept.length, bytes: kept.reduce((sum, record) => sum + record.data.byteLength, 0) });
    await log.close();
  });

  it('counts right in a recovered segment whose torn tail was cut at start-up', async () => {
    const directory = await tempDirectory();
    let log = await FileEventLog.open({ directory, maxBytes: ROOMY });
    await appendConcurrently(log, 's', 0, 200);
    const end = log.endOffset('s');
    await log.close();
    // A crash mid-write: half a frame header plus garbage after the last acknowledged record.
    const handle = await open(join(directory, 'streams', 's', '00000000000000000000.seg'), 'r+');
    await handle.write(Buffer.from([0, 0, 1, 0, 9, 9, 9, 9, 9, 9, 9]), 0, 11, end);
    await handle.close();
    log = await FileEventLog.open({ directory, maxBytes: ROOMY });
    expect(log.endOffset('s')).toBe(end);
    expect(await expectBacklogAtEveryBoundary(log, 's', true)).toHaveLength(200);
    await appendConcurrently(log, 's', 200, 50);
    expect(await expectBacklogAtEveryBoundary(log, 's', true)).toHaveLength(250);
    await log.close();
  });

  it('rejects an offset inside a record, in the active and in a sealed segment', async () => {
    const directory = await tempDirectory();
    let log = await FileEventLog.open({ directory, maxBytes: ROOMY, segmentBytes: 256 * 1024 });
    await appendConcurrently(log, 's', 0, 400);
    await log.close();
    log = await FileEventLog.open({ directory, maxBytes: ROOMY, segmentBytes: 256 * 1024 });
    const records = await readEverything(log, 's');
    const big = records.find((record) => record.data.byteLength > INDEX_SPACING_BYTES)!;
    for (const record of [records[1]!, records[120]!, big, records.at(-2)!]) {
      for (const inside of [record.offset + 1, record.offset + 15, record.offset + 17, record.nextOffset - 1]) {
        await expect(log.backlog('s', inside), `from ${inside}`).rejects.toThrow(InvalidOffsetError);
      }
    }
    await log.close();
  });

  it('reports a damaged length in a sealed segment as corruption, not as a count', async () => {
    const directory = await tempDirectory();
    let log = await FileEventLog.open({ directory, maxBytes: ROOMY, segmentBytes: 256 * 1024 });
    await appendConcurrently(log, 's', 0, 400);
    const victim = (await readEverything(log, 's'))[30]!;
    await log.close();
    const handle = await open(join(directory, 'streams', 's', '00000000000000000000.seg'), 'r+');
    await handle.write(Buffer.from([0x7f]), 0, 1, victim.offset); // high byte of its payload length
    await handle.close();
    log = await FileEventLog.open({ directory, maxBytes: ROOMY, segmentBytes: 256 * 1024 });
    await expect(log.backlog('s', 0)).rejects.toThrow(LogCorruptionError);
    await expect(log.backlog('s', victim.nextOffset)).rejects.toThrow(LogCorruptionError);
    await log.close();
  });

  it('gives consistent counts while appends are landing', async () => {
    const log = await FileEventLog.open({ directory: await tempDirectory(), maxBytes: ROOMY, segmentBytes: 256 * 1024 });
    await appendConcurrently(log, 's', 0, 100);
    const cursors = (await readEverything(log, 's')).map((record) => record.offset);
    const observed: { from: number; backlog: Backlog }[] = [];
    const appending = appendConcurrently(log, 's', 100, 400);
    for (let round = 0; round < 30; round++) {
      const from = cursors[(round * 37) % cursors.length]!;
      observed.push({ from, backlog: await log.backlog('s', from) });
    }
    await appending;
    const all = await readEverything(log, 's');
    for (const { from, backlog } of observed) {
      // Every answer describes the stream as it was at some durable end: a whole prefix of the appends.
      const first = all.findIndex((record) => record.offset === from);
      const counted = all.slice(first, first + backlog.records);
      expect(counted).toHaveLength(backlog.records);
      expect(backlog.bytes).toBe(counted.reduce((sum, record) => sum + record.data.byteLength, 0));
    }
    await log.close();
  });

  describe('cost', () => {
    const SEGMENT_BYTES = 64 * 1024 * 1024;
    const RECORDS = 12_000;
    const smallRecords = (from: number, count: number): AppendRecord[] =>
      Array.from({ length: count }, (_, at) => ({ timestamp: from + at, data: Buffer.alloc(600 + ((from + at) % 800), 1) }));

    async function fill(directory: string): Promise<FileEventLog> {
      const log = await FileEventLog.open({ directory, maxBytes: ROOMY, segmentBytes: SEGMENT_BYTES });
      const appends: Promise<unknown>[] = [];
      for (let from = 0; from < RECORDS; from += 250) appends.push(log.append('s', smallRecords(from, 250)));
      await Promise.all(appends);
      return log;
    }

    /** Bytes read by one backlog call from each of `offsets`, by the log's own counter. */
    async function readBytesPerCall(log: FileEventLog, offsets: readonly number[]): Promise<number[]> {
      const costs: number[] = [];
      for (const offset of offsets) {
        const before = log.stats().backlogReadBytes;
        await log.backlog('s', offset);
        costs.push(log.stats().backlogReadBytes - before);
      }
      return costs;
    }

    it('reads at most the index spacing per count from the middle of a big active segment, and again after reopen', async () => {
      const directory = await tempDirectory();
      let log = await fill(directory);
      const records = await readEverything(log, 's');
      const segmentSize = log.endOffset('s');
      expect(segmentSize).toBeGreaterThan(10 * 1024 * 1024);
      expect(await segmentCount(directory)).toBe(1);
      const middle = records.slice(RECORDS / 2 - 100, RECORDS / 2 + 100).map((record) => record.offset);

      for (const cost of await readBytesPerCall(log, middle)) expect(cost).toBeLessThanOrEqual(INDEX_SPACING_BYTES);
      // The walk from the previous entry is all it reads: ~half the spacing on average, not ~5 MiB.
      const total = (await readBytesPerCall(log, middle)).reduce((sum, cost) => sum + cost, 0);
      expect(total / middle.length).toBeLessThan(INDEX_SPACING_BYTES);
      expect(await log.backlog('s', middle[0]!)).toEqual(bruteForce(records).get(middle[0]!));
      // A cursor asked about again (the delivery runtime, after every append burst) costs no read at all,
      // and still counts what lands meanwhile.
      const cursor = middle[150]!;
      await log.backlog('s', cursor);
      const before = bruteForce(records).get(cursor)!;
      await log.append('s', smallRecords(RECORDS, 3));
      expect(await readBytesPerCall(log, [cursor, cursor, cursor])).toEqual([0, 0, 0]);
      const all = await readEverything(log, 's');
      const landed = all.slice(RECORDS).reduce((sum, record) => sum + record.data.byteLength, 0);
      expect(await log.backlog('s', cursor)).toEqual({ records: before.records + 3, bytes: before.bytes + landed });

      await log.close();
      log = await FileEventLog.open({ directory, maxBytes: ROOMY, segmentBytes: SEGMENT_BYTES });
      for (const cost of await readBytesPerCall(log, middle)) expect(cost).toBeLessThanOrEqual(INDEX_SPACING_BYTES);
      expect(await log.backlog('s', middle[7]!)).toEqual(bruteForce(all).get(middle[7]!));
      await log.close();
    });

    it('scans a sealed segment found at start-up once, then reads at most the spacing per count', async () => {
      const directory = await tempDirectory();
      let log = await fill(directory);
      const records = await readEverything(log, 's');
      const sealedSize = log.endOffset('s');
      // An append bigger than the room left rolls the segment, sealing the first one.
      await log.append('s', [{ timestamp: 1, data: Buffer.alloc(SEGMENT_BYTES - sealedSize + 1) }]);
      await log.close();
      log = await FileEventLog.open({ directory, maxBytes: ROOMY, segmentBytes: SEGMENT_BYTES });
      expect(await segmentCount(directory)).toBe(2);
      const middle = records.slice(RECORDS / 2 - 50, RECORDS / 2 + 50).map((record) => record.offset);

      const [first, ...rest] = await readBytesPerCall(log, middle);
      expect(first).toBeGreaterThanOrEqual(sealedSize);
      expect(first).toBeLessThanOrEqual(sealedSize + INDEX_SPACING_BYTES);
      for (const cost of rest) expect(cost).toBeLessThanOrEqual(INDEX_SPACING_BYTES);
      const expected = bruteForce(records).get(middle[3]!)!;
      expect(await log.backlog('s', middle[3]!)).toEqual({ records: expected.records + 1, bytes: expected.bytes + SEGMENT_BYTES - sealedSize + 1 });
      await log.close();
    });
  });
});
