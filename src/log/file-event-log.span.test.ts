/**
 * FileEventLog spans against the records as read, in segments large enough for many index entries
 * (records larger than the spacing included), before and after reopen (recovered last segment, lazily
 * indexed sealed ones); and the cost bound that is the point of `span`: one measure reads at most about
 * two index spacings of frame headers, however large the span (the log's own read counter, no timing).
 */
import { describe, expect, it } from 'vitest';
import { expectedSpan, expectSpan } from './conformance-span.js';
import type { SpanOptions } from './event-log.js';
import { FileEventLog } from './file-event-log.js';
import { INDEX_SPACING_BYTES } from './segment-index.js';
import { seededRandom } from './test-support/seeded-random.js';
import { readEverything } from './test-support/read-everything.js';
import { useTempDirectories } from './test-support/temp-directories.js';

const tempDirectory = useTempDirectories();
const ROOMY = 1024 ** 3;
const SEGMENT_BYTES = 2 * 1024 * 1024;

/** ~5 MiB in concurrent appends of varied records, a few larger than the index spacing. */
async function fill(log: FileEventLog, stream: string): Promise<void> {
  const next = seededRandom(3);
  let written = 0;
  while (written < 5 * 1024 * 1024) {
    const wave = Array.from({ length: 4 }, () => {
      const records = Array.from({ length: 1 + Math.floor(next() * 40) }, () => {
        const size = next() < 0.01 ? INDEX_SPACING_BYTES + Math.floor(next() * 50_000) : 50 + Math.floor(next() * 900);
        written += size;
        return { timestamp: written, data: Buffer.alloc(size, size % 251) };
      });
      return log.append(stream, records);
    });
    await Promise.all(wave);
  }
}

/** Random spans, each checked against the records as read, and each measured for what it read. */
async function expectSpansAgree(log: FileEventLog, stream: string, seed: number): Promise<number> {
  const all = await readEverything(log, stream);
  const boundaries = [...all.map((record) => record.offset), log.endOffset(stream)];
  const next = seededRandom(seed);
  let mostRead = 0;
  for (let trial = 0; trial < 200; trial++) {
    const from = boundaries[Math.floor(next() * boundaries.length)]!;
    const endOffset = next() < 0.5 ? undefined : boundaries[Math.floor(next() * boundaries.length)]!;
    const options: SpanOptions = { maxWeight: Math.floor(next() * 3 * SEGMENT_BYTES), bytesPerRecord: 1, endOffset };
    const before = log.stats().backlogReadBytes;
    expectSpan(await log.span(stream, from, options), expectedSpan(all, from, options));
    mostRead = Math.max(mostRead, log.stats().backlogReadBytes - before);
  }
  return mostRead;
}

describe('FileEventLog span', () => {
  it('agrees with the records as read, reading at most ~2 index spacings per span', async () => {
    const log = await FileEventLog.open({ directory: await tempDirectory(), maxBytes: ROOMY, segmentBytes: SEGMENT_BYTES });
    await fill(log, 's');
    const mostRead = await expectSpansAgree(log, 's', 7);
    // One walk to the start's boundary (≤ spacing, then remembered) and one over the last stretch.
    expect(mostRead).toBeLessThanOrEqual(2 * INDEX_SPACING_BYTES);
    await log.close();
  });

  it('agrees after reopen, when sealed segments are indexed on first need', async () => {
    const directory = await tempDirectory();
    const first = await FileEventLog.open({ directory, maxBytes: ROOMY, segmentBytes: SEGMENT_BYTES });
    await fill(first, 's');
    await first.close();
    const log = await FileEventLog.open({ directory, maxBytes: ROOMY, segmentBytes: SEGMENT_BYTES });
    // A span over everything indexes each sealed segment once (one header walk each).
    const whole = await log.span('s', 0, { maxWeight: Number.MAX_SAFE_INTEGER });
    expect(whole.nextOffset).toBe(log.endOffset('s'));
    const mostRead = await expectSpansAgree(log, 's', 8);
    expect(mostRead).toBeLessThanOrEqual(2 * INDEX_SPACING_BYTES);
    await log.close();
  });

  it('measures consistent spans while appends are landing', async () => {
    // One large active segment, and starts inside it: each measure walks to its start (I/O) while the
    // writer moves the segment's size and index on.
    const log = await FileEventLog.open({ directory: await tempDirectory(), maxBytes: ROOMY, segmentBytes: 64 * 1024 * 1024 });
    await log.append('s', Array.from({ length: 2_000 }, (_, at) => ({ timestamp: at, data: Buffer.alloc(100 + (at % 300)) })));
    const starts = (await readEverything(log, 's')).map((record) => record.offset);
    const observed: { from: number; options: SpanOptions; span: Awaited<ReturnType<FileEventLog['span']>> }[] = [];
    const appending = fill(log, 's');
    const next = seededRandom(12);
    for (let round = 0; round < 60; round++) {
      const from = starts[Math.floor(next() * starts.length)]!;
      const options: SpanOptions = { maxWeight: Math.floor(next() * 8 * 1024 * 1024), bytesPerRecord: 1 };
      observed.push({ from, options, span: await log.span('s', from, options) });
    }
    await appending;
    const all = await readEverything(log, 's');
    for (const { from, options, span } of observed) {
      // Each answer is the span of the stream as it was at some durable end. A full one is cut by the
      // budget, so later appends do not change it; one that is not full ended at that end.
      const known = span.full ? all : all.filter((record) => record.offset < span.nextOffset);
      expectSpan(span, expectedSpan(known, from, options));
    }
    await log.close();
  });

  it('starts over at the retained start when retention deleted the segments before it', async () => {
    const log = await FileEventLog.open({ directory: await tempDirectory(), maxBytes: ROOMY, segmentBytes: SEGMENT_BYTES });
    await fill(log, 's');
    const all = await readEverything(log, 's');
    const middle = all[Math.floor(all.length / 2)]!.offset;
    await log.commitCursor('s', 'c', middle);
    expect(log.startOffset('s')).toBeGreaterThan(0);
    const span = await log.span('s', 0, { maxWeight: 1 });
    expect(span.firstOffset).toBe(log.startOffset('s'));
    expect(span.records).toBe(1);
    await log.close();
  });
});
