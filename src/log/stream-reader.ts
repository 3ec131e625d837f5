/**
 * Reading one stream: records from an offset across segments. Only durable bytes
 * are visible (the chain's sizes grow after each sync), and every read goes through a positioned
 * read into a bounded buffer.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { FileRange, ReadOptions, StoredRecord } from './event-log.js';
import { DEFAULT_SCAN_CHUNK_BYTES, scanFrames, type PositionedReader, type ScanBuffer } from './frame-scanner.js';
import { InvalidOffsetError, LogCorruptionError } from './log-errors.js';
import type { Segment, SegmentChain } from './segment-chain.js';

/** A read without `maxBytes` stops after this many payload bytes, so no read is unbounded. */
export const DEFAULT_READ_MAX_BYTES = 4 * 1024 * 1024;
const MIN_CHUNK_BYTES = 16 * 1024;

export async function readStream(stream: string, chain: SegmentChain, fromOffset: number, options: ReadOptions): Promise<StoredRecord[]> {
  const maxRecords = options.maxRecords ?? Number.POSITIVE_INFINITY;
  const maxBytes = options.maxBytes ?? DEFAULT_READ_MAX_BYTES;
  const chunkBytes = chunkSizeFor(maxRecords, maxBytes);
  const records: StoredRecord[] = [];
  let payloadBytes = 0;
  let full = false;
  let offset = Math.max(fromOffset, chain.startOffset);
  const into: ScanBuffer | undefined = options.into ? { buffer: options.into, used: false } : undefined;
  while (!full && records.length < maxRecords && offset < chain.endOffset) {
    const index = chain.indexOf(offset);
    const segment = chain.segments[index];
    if (!segment) break;
    const segmentEnd = segment.size;
    const position = offset - segment.baseOffset;
    if (position >= segmentEnd) {
      const next = chain.segments[index + 1];
      if (!next) break;
      offset = next.baseOffset;
      continue;
    }
    const handle = await openSegment(segment);
    if (!handle) {
      // Retention deleted the segment since we looked: what we wanted is gone, so resume at the start.
      if (chain.startOffset <= offset) throw new LogCorruptionError(stream, segment.path, offset, 'the segment file is missing');
      offset = chain.startOffset;
      continue;
    }
    try {
      const outcome = await scanFrames(
        handle,
        position,
        segmentEnd,
        (framePosition, frameBytes, timestamp, payload) => {
          if (records.length > 0 && payloadBytes + payload.byteLength > maxBytes) {
            full = true;
            return false;
          }
          payloadBytes += payload.byteLength;
          const recordOffset = segment.baseOffset + framePosition;
          records.push({ offset: recordOffset, nextOffset: recordOffset + frameBytes, timestamp, data: payload });
          return records.length < maxRecords;
        },
        chunkBytes,
        into,
      );
      if (outcome.damage) {
        // Hand out the good records first; the next read, starting at the damage, reports it.
        if (records.length > 0) break;
        throw await damageError(stream, segment, handle, outcome.damage);
      }
      offset = segment.baseOffset + outcome.endPosition;
      if (outcome.bufferFull) break;
    } finally {
      closeInBackground(handle);
    }
  }
  return records;
}

/** The segments' parts holding [firstOffset, endOffset), oldest first (bounds checked by the caller). */
export function fileRangesOf(chain: SegmentChain, firstOffset: number, endOffset: number): FileRange[] {
  const ranges: FileRange[] = [];
  for (let index = Math.max(chain.indexOf(firstOffset), 0); index < chain.segments.length; index++) {
    const segment = chain.segments[index]!;
    const segmentEndOffset = segment.baseOffset + segment.size;
    if (segment.baseOffset >= endOffset) break;
    if (segmentEndOffset <= firstOffset) continue;
    ranges.push({
      path: segment.path,
      baseOffset: segment.baseOffset,
      from: Math.max(firstOffset, segment.baseOffset) - segment.baseOffset,
      to: Math.min(endOffset, segmentEndOffset) - segment.baseOffset,
      segmentEnd: segment.size,
    });
  }
  return ranges;
}

/**
 * Closes a read handle without waiting for it. The read's records are all made by then, and awaiting
 * the close (a thread-pool round trip, queued behind the log's writes and fdatasyncs) kept every
 * delivery read's ~2,300 records alive across scavenges: they were promoted, ~200 MB of the main
 * heap's garbage in 10 s at half load. Closing a descriptor opened read-only loses nothing, so a
 * failure is ignored.
 */
function closeInBackground(handle: FileHandle): void {
  handle.close().catch(() => undefined);
}

/** Opens a segment for reading; undefined when retention has deleted it. */
export async function openSegment(segment: Segment): Promise<FileHandle | undefined> {
  try {
    return await open(segment.path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Bad bytes where a walk started are either damage or a caller's offset inside a record. Only a walk
 * from the segment start can tell: it either lands on the position (a record boundary, so the bytes
 * are damaged) or steps over it (a bad offset). Costly, but only on this error path.
 */
export async function damageError(
  stream: string,
  segment: Pick<Segment, 'path' | 'baseOffset' | 'size'>,
  handle: PositionedReader,
  damage: { position: number; reason: string }): Promise<Error> {
  let straddled = false;
  const walk = await scanFrames(handle, 0, segment.size, (position, frameBytes) => {
    if (position + frameBytes <= damage.position) return true;
    straddled = position < damage.position;
    return false;
  });
  const offset = segment.baseOffset + damage.position;
  if (straddled) return new InvalidOffsetError(stream, offset, 'it lies inside a record');
  const earlier = walk.damage && walk.damage.position < damage.position ? walk.damage : damage;
  return new LogCorruptionError(stream, segment.path, segment.baseOffset + earlier.position, earlier.reason);
}

/** Small reads get small buffers; nothing reads more than the default window at once. */
function chunkSizeFor(maxRecords: number, maxBytes: number): number {
  const estimate = Math.min(maxBytes, maxRecords * 2048) + MIN_CHUNK_BYTES;
  return Math.min(Math.max(estimate, MIN_CHUNK_BYTES), DEFAULT_SCAN_CHUNK_BYTES);
}
