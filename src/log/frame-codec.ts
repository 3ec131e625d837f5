/**
 * The on-disk frame of one record, and nothing else: encoding a group of records into one buffer and
 * recognising (or rejecting) a frame in bytes read back. No I/O here.
 *
 * Frame layout (all integers big-endian), 16-byte header then the payload:
 *
 *   offset  size  field
 *   0       4     payloadLength   u32, bytes of payload that follow the header
 *   4       4     crc32           CRC-32 (zlib) over bytes 8 … 16+payloadLength (timestamp + payload)
 *   8       4     timestampHigh   u32, floor(timestamp / 2^32)
 *   12      4     timestampLow    u32, timestamp mod 2^32   (timestamp = ms since the Unix epoch)
 *   16      n     payload
 *
 * The CRC covers one contiguous range (timestamp then payload). It is computed as the payload's CRC
 * continued from the timestamp's (`zlib.crc32(payload, crcOfTimestamp)`, the same value), so the
 * payload view that encoding is given and reading hands out is all the CRC needs: no view of the
 * range is made per record, and the timestamp's CRC is computed once for a run of records that share
 * it (every record of a request does). A torn or zeroed tail fails the CRC (the CRC of eight zero bytes
 * is not zero), and an impossible length is caught by the caller's bound (bytes left in the segment)
 * and by `MAX_PAYLOAD_BYTES`.
 */
import { crc32 } from 'node:zlib';
import type { AppendRecord, PackedRecords } from './event-log.js';

export const FRAME_HEADER_BYTES = 16;
/** Larger payloads are refused on append and treated as garbage when read back. */
export const MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;
const TWO_POW_32 = 0x1_0000_0000;

/** Bytes `records` occupy on disk; throws a TypeError/RangeError naming the bad record. */
export function framedSize(records: readonly AppendRecord[]): number {
  let total = 0;
  for (let index = 0; index < records.length; index++) {
    const record = records[index]!;
    if (!(record.data instanceof Uint8Array)) throw new TypeError(`records[${index}].data must be a Uint8Array.`);
    if (!Number.isSafeInteger(record.timestamp) || record.timestamp < 0) {
      throw new RangeError(`records[${index}].timestamp must be a non-negative integer (ms since the epoch).`);
    }
    if (record.data.byteLength > MAX_PAYLOAD_BYTES) {
      throw new RangeError(`records[${index}] is ${record.data.byteLength} bytes; the limit is ${MAX_PAYLOAD_BYTES}.`);
    }
    total += FRAME_HEADER_BYTES + record.data.byteLength;
  }
  return total;
}

/** Bytes the records of `packed` occupy on disk; throws a TypeError/RangeError naming what is wrong. */
export function packedFramedSize(packed: PackedRecords): number {
  const { bytes, positions, timestamp } = packed;
  if (!(bytes instanceof Uint8Array)) throw new TypeError('packed.bytes must be a Uint8Array.');
  if (!(positions instanceof Uint32Array) || positions.length % 2 !== 0) throw new TypeError('packed.positions must be a Uint32Array of (start, length) pairs.');
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new RangeError('packed.timestamp must be a non-negative integer (ms since the epoch).');
  const view = packed.framed ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : undefined;
  // The timestamp's two header words, compared as they are: frameTimestamp's number is not a small
  // integer, so calling it per record allocated a heap number each on the event loop (~1.4 MB/s at half load).
  const timestampHigh = Math.floor(timestamp / TWO_POW_32);
  const timestampLow = timestamp % TWO_POW_32;
  let total = 0;
  for (let index = 0; index < positions.length; index += 2) {
    const start = positions[index]!;
    const length = positions[index + 1]!;
    if (start + length > bytes.byteLength) throw new RangeError(`packed record ${index / 2} (${length} bytes at ${start}) lies outside the ${bytes.byteLength} bytes.`);
    if (length > MAX_PAYLOAD_BYTES) throw new RangeError(`packed record ${index / 2} is ${length} bytes; the limit is ${MAX_PAYLOAD_BYTES}.`);
    // A framed record's header is written as it stands: check what is cheap to check (its CRC is the
    // writer's, frameHeaderAt's), so a caller that framed at other positions or another time is refused.
    if (view && (start < FRAME_HEADER_BYTES || view.readUInt32BE(start - FRAME_HEADER_BYTES) !== length || view.readUInt32BE(start - 8) !== timestampHigh || view.readUInt32BE(start - 4) !== timestampLow)) {
      throw new RangeError(`packed record ${index / 2} (${length} bytes at ${start}) is not preceded by its frame header for timestamp ${timestamp}.`);
    }
    total += FRAME_HEADER_BYTES + length;
  }
  return total;
}

/** Writes the frames of `records` into `target` from `position`; returns the position after them. */
export function encodeFrames(target: Buffer, position: number, records: readonly AppendRecord[]): number {
  let at = position;
  for (const record of records) {
    const length = record.data.byteLength;
    target.writeUInt32BE(length, at);
    target.writeUInt32BE(crc32(record.data, timestampCrc(record.timestamp)), at + 4);
    target.writeUInt32BE(Math.floor(record.timestamp / TWO_POW_32), at + 8);
    target.writeUInt32BE(record.timestamp % TWO_POW_32, at + 12);
    target.set(record.data, at + FRAME_HEADER_BYTES);
    at += FRAME_HEADER_BYTES + length;
  }
  return at;
}

/** Writes the frames of `packed` into `target` from `position`; returns the position after them. */
export function encodePackedFrames(target: Buffer, position: number, packed: PackedRecords): number {
  const { bytes, positions, timestamp } = packed;
  // One view of the source for Buffer#copy, instead of one per record.
  const source = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (packed.framed) return copyFramedRuns(target, position, source, positions);
  let at = position;
  for (let index = 0; index < positions.length; index += 2) {
    const start = positions[index]!;
    const length = positions[index + 1]!;
    source.copy(target, at + FRAME_HEADER_BYTES, start, start + length);
    frameHeaderAt(target, at, length, timestamp);
    at += FRAME_HEADER_BYTES + length;
  }
  return at;
}

/**
 * Copies framed records (each payload preceded by its header) as runs: the frames a worker wrote back
 * to back are one copy, however many records they hold, and no CRC is computed here.
 */
function copyFramedRuns(target: Buffer, position: number, source: Buffer, positions: Uint32Array): number {
  let at = position;
  let runStart = 0;
  let runEnd = 0;
  for (let index = 0; index < positions.length; index += 2) {
    const frameStart = positions[index]! - FRAME_HEADER_BYTES;
    const frameEnd = positions[index]! + positions[index + 1]!;
    if (frameStart === runEnd && runEnd > runStart) {
      runEnd = frameEnd;
      continue;
    }
    if (runEnd > runStart) at += source.copy(target, at, runStart, runEnd);
    runStart = frameStart;
    runEnd = frameEnd;
  }
  if (runEnd > runStart) at += source.copy(target, at, runStart, runEnd);
  return at;
}

/**
 * Writes the header of the frame at `headerAt` of `target`, whose `payloadLength` payload bytes follow
 * it there: length, CRC, timestamp. For a writer that lays records out as frames itself (the ingest
 * worker, `PackedRecords.framed`), so the log only copies them.
 */
export function frameHeaderAt(target: Buffer, headerAt: number, payloadLength: number, timestamp: number): void {
  const payloadAt = headerAt + FRAME_HEADER_BYTES;
  target.writeUInt32BE(payloadLength, headerAt);
  // The payload's view is the only object per record, and it dies at once.
  target.writeUInt32BE(crc32(target.subarray(payloadAt, payloadAt + payloadLength), timestampCrc(timestamp)), headerAt + 4);
  target.writeUInt32BE(Math.floor(timestamp / TWO_POW_32), headerAt + 8);
  target.writeUInt32BE(timestamp % TWO_POW_32, headerAt + 12);
}

/** The timestamp's eight bytes, for its CRC, and the last timestamp whose CRC was computed. */
const timestampBytes = Buffer.alloc(8);
let lastTimestamp = -1;
let lastTimestampCrc = 0;

/** CRC-32 of the timestamp's eight frame bytes (the start of the range the frame's CRC covers). */
function timestampCrc(timestamp: number): number {
  if (timestamp !== lastTimestamp) {
    timestampBytes.writeUInt32BE(Math.floor(timestamp / TWO_POW_32), 0);
    timestampBytes.writeUInt32BE(timestamp % TWO_POW_32, 4);
    lastTimestampCrc = crc32(timestampBytes);
    lastTimestamp = timestamp;
  }
  return lastTimestampCrc;
}

/**
 * The payload (a view of `bytes`) of the whole, checksummed frame at `position` of bytes valid up to
 * `available`, or undefined when there is none (probeFrame then says why). The hot path of reading: it
 * allocates nothing but the view, where a probe would add an object per record.
 */
export function wholeFramePayload(bytes: Buffer, position: number, available: number, bytesLeftInSegment: number): Buffer | undefined {
  if (available - position < FRAME_HEADER_BYTES) return undefined;
  const payloadLength = bytes.readUInt32BE(position);
  const frameBytes = FRAME_HEADER_BYTES + payloadLength;
  if (payloadLength > MAX_PAYLOAD_BYTES || frameBytes > bytesLeftInSegment || available - position < frameBytes) return undefined;
  const timestamp = frameTimestamp(bytes, position);
  const payload = bytes.subarray(position + FRAME_HEADER_BYTES, position + frameBytes);
  // A timestamp too large to be a safe integer was never appended (framedSize refuses it); its bytes
  // are damage, and caching their CRC under a rounded number would be wrong.
  const crc = Number.isSafeInteger(timestamp) ? crc32(payload, timestampCrc(timestamp)) : crc32(bytes.subarray(position + 8, position + frameBytes));
  return crc === bytes.readUInt32BE(position + 4) ? payload : undefined;
}

/** The timestamp of the frame at `position` (its header must be in `bytes`). */
export function frameTimestamp(bytes: Buffer, position: number): number {
  return bytes.readUInt32BE(position + 8) * TWO_POW_32 + bytes.readUInt32BE(position + 12);
}

/** What lies at a position of a buffer holding frame bytes. */
export type FrameProbe =
  /** A whole, checksummed frame; `payload` is a view of the probed bytes. */
  | { readonly kind: 'record'; readonly payloadLength: number; readonly timestamp: number; readonly payload: Buffer }
  /** The buffer ends before the frame does; read more (or, at the end of the segment, a torn tail). */
  | { readonly kind: 'incomplete'; readonly frameBytes: number }
  /** Not a frame: the length is impossible or the CRC does not match. */
  | { readonly kind: 'corrupt'; readonly reason: string };

/**
 * Inspects the frame starting at `position` in `bytes` (valid up to `available`). `bytesLeftInSegment`
 * bounds the length: a frame claiming to run past the end of its segment is corrupt, not incomplete.
 */
export function probeFrame(bytes: Buffer, position: number, available: number, bytesLeftInSegment: number): FrameProbe {
  if (available - position < FRAME_HEADER_BYTES) {
    if (bytesLeftInSegment < FRAME_HEADER_BYTES) return { kind: 'corrupt', reason: 'short header' };
    return { kind: 'incomplete', frameBytes: FRAME_HEADER_BYTES };
  }
  const payloadLength = bytes.readUInt32BE(position);
  const frameBytes = FRAME_HEADER_BYTES + payloadLength;
  if (payloadLength > MAX_PAYLOAD_BYTES) return { kind: 'corrupt', reason: `impossible length ${payloadLength}` };
  if (frameBytes > bytesLeftInSegment) return { kind: 'corrupt', reason: `length ${payloadLength} runs past the segment end` };
  if (available - position < frameBytes) return { kind: 'incomplete', frameBytes };
  const payload = wholeFramePayload(bytes, position, available, bytesLeftInSegment);
  if (payload === undefined) return { kind: 'corrupt', reason: 'CRC mismatch' };
  return { kind: 'record', payloadLength, timestamp: frameTimestamp(bytes, position), payload };
}
