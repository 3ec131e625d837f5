/**
 * Spans over segment files (`EventLog.span`): the run of whole records from an offset that fits an end
 * offset and a weight budget, measured without reading a payload. Whole segments, and stretches between
 * index entries, are weighed by arithmetic (a record's weight is its frame minus the header, plus
 * `bytesPerRecord`); only the last stretch, at most the index spacing, is walked header by header. So
 * cutting a 100 MiB delivery batch reads ~64 KiB, where a read-based cut read, checksummed and made an
 * object of every record in it.
 */
import { indexSealedSegment, recordsBefore, walkSegment, type BacklogStats } from './backlog-counter.js';
import type { Span, SpanOptions } from './event-log.js';
import { FRAME_HEADER_BYTES } from './frame-codec.js';
import type { Segment, SegmentChain } from './segment-chain.js';

/** What the walk over the last stretch found; undefined when the file is gone. */
interface StretchWalk {
  readonly records: number;
  readonly endPosition: number;
  /** The walk stopped because the next record did not fit the budget. */
  readonly full: boolean;
}

export async function measureSpan(stream: string, chain: SegmentChain, fromOffset: number, options: SpanOptions, stats: BacklogStats): Promise<Span> {
  // weight = payload + bytesPerRecord = frame bytes − records × (header − bytesPerRecord).
  const perRecordDiscount = FRAME_HEADER_BYTES - (options.bytesPerRecord ?? 0);
  const weightOf = (frameBytes: number, records: number) => frameBytes - records * perRecordDiscount;
  const endLimit = Math.min(options.endOffset ?? Number.POSITIVE_INFINITY, chain.endOffset);
  // A snapshot: retention may detach segments while this awaits (it deletes from the oldest on).
  const segments = [...chain.segments];
  let firstOffset = Math.max(fromOffset, chain.startOffset);
  let at = firstOffset;
  let records = 0;
  let frameBytes = 0;
  let full = false;
  for (let index = Math.max(chain.indexOf(at), 0); index < segments.length && at < endLimit; index++) {
    const segment = segments[index]!;
    // Size, index and its record total are read in the same tick: the writer moves them together.
    const size = segment.size;
    const position = at - segment.baseOffset;
    if (position >= size) continue;
    const upTo = Math.min(size, endLimit - segment.baseOffset);
    let segmentIndex = segment.index?.endPosition === size ? segment.index : undefined;
    const total = segmentIndex?.records;
    let walkFrom = position;
    let gone = false;
    if (!segmentIndex && index < segments.length - 1) {
      segmentIndex = await indexSealedSegment(stream, segment, stats);
      gone = segmentIndex === undefined;
    }
    if (segmentIndex) {
      const before = await recordsBefore(stream, segment, segmentIndex, position, stats);
      if (before === undefined) {
        gone = true;
      } else {
        const remaining = options.maxWeight - weightOf(frameBytes, records);
        const restRecords = (total ?? segmentIndex.records) - before;
        if (upTo === size && weightOf(size - position, restRecords) <= remaining) {
          records += restRecords;
          frameBytes += size - position;
          at = segment.baseOffset + size;
          continue;
        }
        const entry = segmentIndex.lastEntryFitting(position, upTo, (entryPosition, entryBefore) => weightOf(entryPosition - position, entryBefore - before) <= remaining);
        if (entry) {
          records += entry.recordsBefore - before;
          frameBytes += entry.position - position;
          walkFrom = entry.position;
        }
      }
    }
    const walk = gone
      ? undefined
      : await walkStretch(stream, segment, walkFrom, upTo, size, {
          budget: options.maxWeight - weightOf(frameBytes, records),
          firstJoins: records === 0,
          perRecordDiscount,
          chunkBytes: segmentIndex?.spacingBytes,
          stats,
        });
    if (!walk) {
      // Retention deleted this segment, so every older one too: the span starts over at the next.
      records = 0;
      frameBytes = 0;
      firstOffset = at = segment.baseOffset + size;
      continue;
    }
    records += walk.records;
    frameBytes += walk.endPosition - walkFrom;
    at = segment.baseOffset + walk.endPosition;
    full = walk.full;
    // Ended inside this segment: at the budget, at the end offset, or before a record crossing it.
    // (A first record heavier than the budget may have taken the whole rest: then go on, to see whether
    // a next record exists, which makes the span full.)
    if (full || walk.endPosition < size) break;
  }
  if (records === 0) return { firstOffset, nextOffset: firstOffset, records: 0, bytes: 0, full: false };
  return { firstOffset, nextOffset: at, records, bytes: frameBytes - records * FRAME_HEADER_BYTES, full };
}

interface StretchBudget {
  readonly budget: number;
  /** The span is still empty: its first record joins whatever it weighs. */
  readonly firstJoins: boolean;
  readonly perRecordDiscount: number;
  readonly chunkBytes: number | undefined;
  readonly stats: BacklogStats;
}

/** Walks frame headers from `from` (a record boundary) towards `to` while the records fit the budget. */
async function walkStretch(stream: string, segment: Segment, from: number, to: number, size: number, limits: StretchBudget): Promise<StretchWalk | undefined> {
  let weight = 0;
  let records = 0;
  let full = false;
  const onFrame = (frameBytes: number): boolean => {
    const recordWeight = frameBytes - limits.perRecordDiscount;
    if ((records > 0 || !limits.firstJoins) && weight + recordWeight > limits.budget) {
      full = true;
      return false;
    }
    weight += recordWeight;
    records++;
    return true;
  };
  const walk = await walkSegment(stream, segment, { from, to, size, onFrame, chunkBytes: limits.chunkBytes }, limits.stats);
  return walk && { records, endPosition: walk.endPosition, full };
}
