/**
 * Walks the frames of one segment file through positioned reads into a bounded buffer, so no caller
 * ever loads a whole segment. Shared by reads, backlog counting and start-up recovery. It never
 * decides what damage means: it reports where the good frames end and why.
 */
import { FRAME_HEADER_BYTES, frameTimestamp, probeFrame, wholeFramePayload } from './frame-codec.js';

/**
 * Sees one whole frame: its position in the segment file, its size, its timestamp and its payload (a
 * slice of a buffer no later read overwrites, unless the caller passed `into`). Arguments, not an
 * object: a read visits thousands of frames, and each object would be garbage. Returns false to stop.
 */
export type FrameVisitor = (position: number, frameBytes: number, timestamp: number, payload: Buffer) => boolean;

export interface ScanOutcome {
  /** Position after the last frame the visitor accepted (= where a stop or damage begins). */
  readonly endPosition: number;
  /** True when the walk stopped because the next frame needed a second fill of the caller's buffer. */
  readonly bufferFull?: boolean;
  /** Set when the walk stopped at bytes that are not a whole, valid frame. */
  readonly damage?: { readonly position: number; readonly reason: string };
}

/**
 * What a walk reads through: a `FileHandle`, or (in a thread that may block, file-range-reader.ts) a
 * descriptor read synchronously behind the same shape.
 */
export interface PositionedReader {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
}

/** Default read window: big enough to amortise syscalls, small enough to bound memory. */
export const DEFAULT_SCAN_CHUNK_BYTES = 1024 * 1024;

/**
 * The caller's buffer for one read (possibly several scans, one per segment): once a visited frame's
 * payload is a view of it, it is never filled again (`used`, set by the scan).
 */
export interface ScanBuffer {
  readonly buffer: Buffer;
  used: boolean;
}

/**
 * Visits frames in `[from, end)` of the file behind `handle`, in order, until `visit` returns false,
 * `end` is reached, or damage is found. `chunkBytes` bounds the buffer (a single larger frame gets a
 * buffer of its own size, so a reader always progresses). With `into`, the frames are read into the
 * caller's buffer, and once a visited frame lies in it, where another fill would be needed the walk
 * stops with `bufferFull`.
 */
export async function scanFrames(
  handle: PositionedReader,
  from: number,
  end: number,
  visit: FrameVisitor,
  chunkBytes = DEFAULT_SCAN_CHUNK_BYTES,
  into?: ScanBuffer,
): Promise<ScanOutcome> {
  let position = from;
  let chunk: Buffer = Buffer.alloc(0);
  let chunkStart = from;
  let chunkFilled = 0;
  while (position < end) {
    const inChunk = position - chunkStart;
    const payload = wholeFramePayload(chunk, inChunk, chunkFilled, end - position);
    if (payload !== undefined) {
      if (chunk === into?.buffer) into.used = true;
      const frameBytes = FRAME_HEADER_BYTES + payload.byteLength;
      if (!visit(position, frameBytes, frameTimestamp(chunk, inChunk), payload)) break;
      position += frameBytes;
      continue;
    }
    // Not a whole frame here: the probe says whether to read more or where the damage is.
    const probe = probeFrame(chunk, inChunk, chunkFilled, end - position);
    if (probe.kind === 'corrupt') return { endPosition: position, damage: { position, reason: probe.reason } };
    if (probe.kind === 'incomplete') {
      let size: number;
      if (into) {
        if (into.used) return { endPosition: position, bufferFull: true };
        size = Math.min(into.buffer.length, end - position);
        // A frame larger than the caller's buffer alone gets memory of its own.
        chunk = size >= probe.frameBytes ? into.buffer : Buffer.allocUnsafe((size = Math.min(probe.frameBytes, end - position)));
      } else {
        size = Math.min(Math.max(chunkBytes, probe.frameBytes), end - position);
        chunk = Buffer.allocUnsafe(size);
      }
      chunkStart = position;
      chunkFilled = await readFully(handle, chunk, size, position);
      if (chunkFilled < Math.min(size, probe.frameBytes)) {
        return { endPosition: position, damage: { position, reason: 'file ends before the frame does' } };
      }
      continue;
    }
    // A probe runs only where the fast check found no whole frame, so it cannot find one either.
    throw new Error(`frame scanner: a probe found a whole frame the check refused at ${position}`);
  }
  return { endPosition: position };
}

/** Reads up to `length` bytes at `position`; fewer only at end of file. */
async function readFully(handle: PositionedReader, target: Buffer, length: number, position: number): Promise<number> {
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(target, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}

/** Where a walk over frame lengths stopped, and what it cost. */
export interface LengthWalk {
  readonly count: number;
  /** Position after the last frame counted: `to`, or the start of a frame that runs past `to`. */
  readonly endPosition: number;
  /** Bytes read from the file (for the cost bound of backlog). */
  readonly bytesRead: number;
  /** Set when the lengths cannot be frames of this segment. */
  readonly damage?: string;
}

/**
 * Counts the frames in `[from, to)` of a segment of `segmentEnd` bytes by their length fields alone,
 * without checking CRCs: ~10× faster than `scanFrames`, for statistics (backlog, the record index)
 * where a damaged frame is the reader's to report. `from` must be a record boundary. A frame that
 * runs past `to` but not past the segment end stops the walk there (`endPosition` < `to`: `to` lies
 * inside that record). Reads at most `chunkBytes` at a time and never reads past `to`, so a walk
 * over a short range is one small positioned read. `onFrame` sees each frame's size before it is
 * counted; returning false stops the walk there, that frame not counted (a caller with a budget).
 */
export async function walkFrameLengths(
  handle: PositionedReader,
  from: number,
  to: number,
  segmentEnd: number,
  onFrame?: (frameBytes: number) => boolean | void,
  chunkBytes = DEFAULT_SCAN_CHUNK_BYTES,
): Promise<LengthWalk> {
  const chunk = Buffer.allocUnsafe(Math.max(Math.min(chunkBytes, to - from), FRAME_HEADER_BYTES));
  let count = 0;
  let bytesRead = 0;
  let position = from;
  let chunkStart = from;
  let chunkFilled = 0;
  while (position < to) {
    if (segmentEnd - position < FRAME_HEADER_BYTES) return { count, endPosition: position, bytesRead, damage: 'short header' };
    // Even the smallest frame would run past `to`: no need to read its header.
    if (to - position < FRAME_HEADER_BYTES) break;
    if (position + FRAME_HEADER_BYTES > chunkStart + chunkFilled) {
      chunkStart = position;
      chunkFilled = await readFully(handle, chunk, Math.min(chunk.byteLength, to - position), position);
      bytesRead += chunkFilled;
      if (chunkFilled < FRAME_HEADER_BYTES) return { count, endPosition: position, bytesRead, damage: 'file ends before the frame does' };
    }
    const frameBytes = FRAME_HEADER_BYTES + chunk.readUInt32BE(position - chunkStart);
    if (frameBytes > segmentEnd - position) return { count, endPosition: position, bytesRead, damage: 'length runs past the segment end' };
    if (frameBytes > to - position) break;
    if (onFrame?.(frameBytes) === false) break;
    position += frameBytes;
    count++;
  }
  return { count, endPosition: position, bytesRead };
}
