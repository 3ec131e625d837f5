/**
 * `FileEventLog.fileRanges` read back by `readFileRanges` (what the spool thread does) against the
 * records `read` returns: the same records, offsets and bytes for ranges across several segments,
 * records larger than the read buffer included; damage, a missing file and bad bounds as clear errors.
 */
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { FileRange, StoredRecord } from './event-log.js';
import { FileEventLog } from './file-event-log.js';
import { readFileRanges } from './file-range-reader.js';
import { FRAME_HEADER_BYTES } from './frame-codec.js';
import { InvalidOffsetError, LogCorruptionError } from './log-errors.js';
import { readEverything } from './test-support/read-everything.js';
import { seededRandom } from './test-support/seeded-random.js';
import { useTempDirectories } from './test-support/temp-directories.js';

const tempDirectory = useTempDirectories();
const ROOMY = 1024 ** 3;
const SEGMENT_BYTES = 64 * 1024;
const READ_BUFFER_BYTES = 8 * 1024;

/** ~300 KiB of varied records in appends of a few each, some larger than the read buffer. */
async function filledLog(): Promise<FileEventLog> {
  const log = await FileEventLog.open({ directory: await tempDirectory(), maxBytes: ROOMY, segmentBytes: SEGMENT_BYTES });
  const next = seededRandom(11);
  let written = 0;
  let timestamp = 1_700_000_000_000;
  while (written < 300 * 1024) {
    const records = Array.from({ length: 1 + Math.floor(next() * 5) }, () => {
      const size = next() < 0.03 ? READ_BUFFER_BYTES + Math.floor(next() * 3 * READ_BUFFER_BYTES) : 20 + Math.floor(next() * 700);
      written += size;
      return { timestamp: timestamp++, data: Buffer.alloc(size, size % 251) };
    });
    await log.append('s', records);
  }
  return log;
}

/** A record as one comparable string: offset, receive time and a digest of its bytes (deep-comparing Buffers is slow). */
const describeRecord = (offset: number, timestamp: number, data: Uint8Array) => `${offset}@${timestamp}:${data.byteLength}:${createHash('sha1').update(data).digest('hex')}`;

async function visitAll(ranges: readonly FileRange[], options: { shouldStop?: () => boolean } = {}): Promise<string[]> {
  const visited: string[] = [];
  await readFileRanges('s', ranges, (offset, timestamp, payload) => visited.push(describeRecord(offset, timestamp, payload)), {
    buffer: Buffer.alloc(READ_BUFFER_BYTES),
    ...options,
  });
  return visited;
}

const asVisited = (records: readonly StoredRecord[]): string[] => records.map(({ offset, timestamp, data }) => describeRecord(offset, timestamp, data));

describe('FileEventLog.fileRanges read by readFileRanges', () => {
  it('gives exactly the records read returns, for ranges within and across segments', async () => {
    const log = await filledLog();
    const all = await readEverything(log, 's');
    expect(log.fileRanges('s', log.startOffset('s'), log.endOffset('s')).length).toBeGreaterThan(4);
    expect(await visitAll(log.fileRanges('s', log.startOffset('s'), log.endOffset('s')))).toEqual(asVisited(all));
    const next = seededRandom(5);
    for (let trial = 0; trial < 40; trial++) {
      const first = Math.floor(next() * all.length);
      const end = first + Math.floor(next() * (all.length - first));
      const endOffset = end < all.length ? all[end]!.offset : log.endOffset('s');
      const ranges = log.fileRanges('s', all[first]!.offset, endOffset);
      expect(await visitAll(ranges)).toEqual(asVisited(all.slice(first, end)));
    }
    await log.close();
  });

  it('answers no ranges for an empty range or an unknown stream, and refuses bounds outside the retained log', async () => {
    const log = await filledLog();
    const end = log.endOffset('s');
    expect(log.fileRanges('s', end, end)).toEqual([]);
    expect(log.fileRanges('nobody', 0, 100)).toEqual([]);
    expect(() => log.fileRanges('s', 0, end + 1)).toThrow(InvalidOffsetError);
    const { nextOffset } = (await log.read('s', 0, { maxRecords: 1 }))[0]!;
    // Retention deletes whole segments once every consumer is past them.
    const secondSegment = log.fileRanges('s', 0, end)[1]!.baseOffset;
    await log.commitCursor('s', 'reader', secondSegment);
    expect(log.startOffset('s')).toBe(secondSegment);
    expect(() => log.fileRanges('s', nextOffset, end)).toThrow(InvalidOffsetError);
    await log.close();
  });

  it('stops between reads when asked', async () => {
    const log = await filledLog();
    let reads = 0;
    const visited = await visitAll(log.fileRanges('s', log.startOffset('s'), log.endOffset('s')), { shouldStop: () => ++reads > 3 });
    const all = await readEverything(log, 's');
    expect(visited.length).toBeGreaterThan(0);
    expect(visited.length).toBeLessThan(all.length);
    expect(visited).toEqual(asVisited(all.slice(0, visited.length)));
    await log.close();
  });

  it('reports damage at its offset, after visiting the records before it', async () => {
    const log = await filledLog();
    const all = await readEverything(log, 's');
    const ranges = log.fileRanges('s', log.startOffset('s'), log.endOffset('s'));
    const damaged = all[Math.floor(all.length / 2)]!;
    const range = ranges.find((candidate) => candidate.baseOffset <= damaged.offset && damaged.offset < candidate.baseOffset + candidate.to)!;
    const bytes = await readFile(range.path);
    bytes[damaged.offset - range.baseOffset + FRAME_HEADER_BYTES]! ^= 0xff;
    await writeFile(range.path, bytes);
    const visited: number[] = [];
    const error = await readFileRanges('s', ranges, (offset) => visited.push(offset), { buffer: Buffer.alloc(READ_BUFFER_BYTES) }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LogCorruptionError);
    expect(error).toMatchObject({ offset: damaged.offset, segment: range.path });
    expect(visited.at(-1)).toBeLessThan(damaged.offset);
    expect(visited).toEqual(all.filter((record) => record.offset < damaged.offset).map((record) => record.offset).slice(-visited.length));
    await log.close();
  });

  it('reports a missing segment file as damage, not as an empty range', async () => {
    const log = await filledLog();
    const ranges = log.fileRanges('s', log.startOffset('s'), log.endOffset('s'));
    await rm(ranges[1]!.path);
    await expect(visitAll(ranges)).rejects.toThrow(/segment file is missing/);
    await expect(visitAll(ranges)).rejects.toBeInstanceOf(LogCorruptionError);
    await log.close();
  });
});
