/**
 * Backlog counts: records and payload bytes from an offset to the end of a stream, cheaply enough to
 * ask after every append burst. Bytes are arithmetic on segment sizes; records are per-segment totals
 * (kept by the writer and recovery, or counted once for a sealed segment and cached) minus the
 * records before the offset in its own segment, which the segment's sparse index answers with a
 * binary search plus one short header walk (at most the index spacing, 64 KiB; none for a cursor
 * asked about before, as the delivery runtime does after every append burst). A sealed segment found
 * at start-up gets its index on first need: one length walk, then cached on the segment.
 */
import type { Backlog } from './event-log.js';
import { FRAME_HEADER_BYTES } from './frame-codec.js';
import { walkFrameLengths, type LengthWalk } from './frame-scanner.js';
import { InvalidOffsetError, LogCorruptionError } from './log-errors.js';
import type { Segment, SegmentChain } from './segment-chain.js';
import { SegmentIndex } from './segment-index.js';
import { openSegment } from './stream-reader.js';

/** What backlog counting costs, cumulatively: proof that it does not rescan segments. */
export interface BacklogStats {
  /** Bytes read from segment files by backlog counts (index walks and one-off sealed-segment scans). */
  backlogReadBytes: number;
}

/** A segment deleted by retention while a count awaited: it holds nothing anyone still needs. */
const GONE = { records: 0, frameBytes: 0 } as const;

/** Lazy index builds in progress, so concurrent counts on one sealed segment share one scan. */
const building = new WeakMap<Segment, Promise<SegmentIndex | undefined>>();

/** Records and payload bytes from `fromOffset` to the end of the stream. */
export async function countBacklog(stream: string, chain: SegmentChain, fromOffset: number, stats: BacklogStats): Promise<Backlog> {
  let records = 0;
  let frameBytes = 0;
  const offset = Math.max(fromOffset, chain.startOffset);
  // A snapshot: retention may detach segments while this awaits; counting them anyway is harmless.
  const segments = [...chain.segments];
  for (let index = Math.max(chain.indexOf(offset), 0); index < segments.length; index++) {
    const segment = segments[index]!;
    const position = Math.max(offset - segment.baseOffset, 0);
    const sealed = index < segments.length - 1;
    const counted = await countFrom(stream, segment, position, sealed, stats);
    records += counted.records;
    frameBytes += counted.frameBytes;
  }
  return { records, bytes: frameBytes - records * FRAME_HEADER_BYTES };
}

/** Records and frame bytes from `position` to the end of one segment. */
async function countFrom(
  stream: string,
  segment: Segment,
  position: number,
  sealed: boolean,
  stats: BacklogStats,
): Promise<{ records: number; frameBytes: number }> {
  // Size, total and index are read in the same tick, so they describe the same state of the segment
  // (the writer moves them together); entries at or before `position` never change afterwards.
  const size = segment.size;
  if (position >= size) return { records: 0, frameBytes: 0 };
  let index = segment.index?.endPosition === size ? segment.index : undefined;
  if (!index && sealed) index = await indexSealedSegment(stream, segment, stats);
  if (!index) {
    // Only an active segment without an index (not made by this code): count the slow way, uncached.
    const records = await walkCount(stream, segment, position, size, size, stats);
    return records === undefined ? GONE : { records, frameBytes: size - position };
  }
  // The total at `size`, taken before awaiting: the writer may add records to the index meanwhile.
  const total = index.records;
  const before = await recordsBefore(stream, segment, index, position, stats);
  return before === undefined ? GONE : { records: total - before, frameBytes: size - position };
}

/**
 * Records that start before `position` (a record boundary) in `segment`, whose `index` describes it
 * whole: a binary search plus a walk of at most the index spacing, remembered for the next ask.
 * Undefined when the file is gone (retention deleted it meanwhile).
 */
export async function recordsBefore(
  stream: string,
  segment: Segment,
  index: SegmentIndex,
  position: number,
  stats: BacklogStats,
): Promise<number | undefined> {
  if (position === 0) return 0;
  if (position === index.endPosition) return index.records;
  const entry = index.entryAtOrBefore(position);
  if (entry.position === position) return entry.recordsBefore;
  const walked = await walkCount(stream, segment, entry.position, position, index.endPosition, stats, index.spacingBytes);
  if (walked === undefined) return undefined;
  const before = entry.recordsBefore + walked;
  index.remember({ position, recordsBefore: before });
  return before;
}

/** How a segment is walked: where, its size then, and what sees each frame (see `walkFrameLengths`). */
export interface SegmentWalk {
  readonly from: number;
  readonly to: number;
  readonly size: number;
  readonly onFrame?: (frameBytes: number) => boolean | void;
  readonly chunkBytes?: number;
}

/**
 * Walks frame lengths over part of one segment through its own short-lived handle, adding what it read
 * to `stats`. Damage is a `LogCorruptionError`; undefined when the file is gone (retention deleted it
 * after the caller's snapshot: it holds nothing anyone still needs).
 */
export async function walkSegment(stream: string, segment: Segment, walk: SegmentWalk, stats: BacklogStats): Promise<LengthWalk | undefined> {
  const handle = await openSegment(segment);
  if (!handle) return undefined;
  try {
    const result = await walkFrameLengths(handle, walk.from, walk.to, walk.size, walk.onFrame, walk.chunkBytes);
    stats.backlogReadBytes += result.bytesRead;
    if (result.damage) {
      throw new LogCorruptionError(stream, segment.path, segment.baseOffset + result.endPosition, `${result.damage} (walking frames from here)`);
    }
    return result;
  } finally {
    await handle.close();
  }
}

/** Counts the frames in `[from, to)`; `to` must be a record boundary. Undefined when the file is gone. */
async function walkCount(
  stream: string,
  segment: Segment,
  from: number,
  to: number,
  size: number,
  stats: BacklogStats,
  chunkBytes?: number,
): Promise<number | undefined> {
  const walk = await walkSegment(stream, segment, { from, to, size, chunkBytes }, stats);
  if (walk && walk.endPosition !== to) throw new InvalidOffsetError(stream, segment.baseOffset + to, 'it lies inside a record');
  return walk?.count;
}

/** One length walk over a sealed segment, cached on it as its index and record count. */
export function indexSealedSegment(stream: string, segment: Segment, stats: BacklogStats): Promise<SegmentIndex | undefined> {
  let pending = building.get(segment);
  if (!pending) {
    pending = buildIndex(stream, segment, stats).finally(() => building.delete(segment));
    building.set(segment, pending);
  }
  return pending;
}

async function buildIndex(stream: string, segment: Segment, stats: BacklogStats): Promise<SegmentIndex | undefined> {
  const size = segment.size;
  const index = new SegmentIndex();
  const walk = await walkSegment(stream, segment, { from: 0, to: size, size, onFrame: (frameBytes) => index.noteFrame(frameBytes) }, stats);
  if (!walk) return undefined;
  segment.index = index;
  segment.records = index.records;
  return index;
}
