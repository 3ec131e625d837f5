/**
 * Reads the records of `EventLog.fileRanges` with blocking reads, for a thread whose only job is to
 * read them (delivery's spool thread): the records never become objects on the event loop that
 * answers the Tracking API, and the reads never queue on libuv's thread pool beside the log's
 * fdatasyncs. Every frame is checked as `read` checks it (length, CRC); damage is a
 * LogCorruptionError naming the place, a missing file too (retention never deletes records a
 * consumer has not passed, so a missing segment here is damage, not a race).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { FileRange } from './event-log.js';
import { scanFrames, type PositionedReader, type ScanBuffer } from './frame-scanner.js';
import { LogCorruptionError } from './log-errors.js';
import { damageError } from './stream-reader.js';

/**
 * Sees one record: its stream offset, receive time and payload. The payload is a view of the reader's
 * buffer, valid only until the visitor returns: copy what must be kept.
 */
export type RangeRecordVisitor = (offset: number, timestamp: number, payload: Buffer) => void;

export interface RangeReadOptions {
  /** Frames are read into this buffer, refilled once its records are visited (a larger frame gets its own). */
  readonly buffer: Buffer;
  /** Asked between fills: true stops the read early (resolves, having visited a prefix). */
  readonly shouldStop?: () => boolean;
}

/** Visits every record of `ranges` in order; rejects on damage, a missing file or a failed read. */
export async function readFileRanges(stream: string, ranges: readonly FileRange[], visit: RangeRecordVisitor, options: RangeReadOptions): Promise<void> {
  for (const range of ranges) {
    if (options.shouldStop?.()) return;
    const fd = openSegmentFile(stream, range);
    try {
      await readRange(stream, range, fd, visit, options);
    } finally {
      closeSync(fd);
    }
  }
}

async function readRange(stream: string, range: FileRange, fd: number, visit: RangeRecordVisitor, options: RangeReadOptions): Promise<void> {
  const reader: PositionedReader = {
    read: (buffer, offset, length, position) => Promise.resolve({ bytesRead: readSync(fd, buffer, offset, length, position) }),
  };
  const into: ScanBuffer = { buffer: options.buffer, used: false };
  let position = range.from;
  while (position < range.to) {
    if (options.shouldStop?.()) return;
    into.used = false;
    const outcome = await scanFrames(
      reader,
      position,
      range.segmentEnd,
      (framePosition, _frameBytes, timestamp, payload) => {
        if (framePosition >= range.to) return false;
        visit(range.baseOffset + framePosition, timestamp, payload);
        return true;
      },
      options.buffer.byteLength,
      into,
    );
    if (outcome.damage) throw await damageError(stream, { path: range.path, baseOffset: range.baseOffset, size: range.segmentEnd }, reader, outcome.damage);
    if (outcome.endPosition <= position) {
      throw new LogCorruptionError(stream, range.path, range.baseOffset + position, 'no whole record where one was expected');
    }
    position = outcome.endPosition;
  }
  if (position !== range.to) {
    throw new LogCorruptionError(stream, range.path, range.baseOffset + range.to, 'the range does not end at a record boundary');
  }
}

function openSegmentFile(stream: string, range: FileRange): number {
  try {
    return openSync(range.path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new LogCorruptionError(stream, range.path, range.baseOffset + range.from, 'the segment file is missing');
    }
    throw error;
  }
}
