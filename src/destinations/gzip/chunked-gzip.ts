/**
 * One standard gzip member (RFC 1952) built from chunks deflated one at a time, the way pigz builds
 * its output: every chunk but the last is deflated on its own and ended with a sync flush (an empty
 * stored block, no "final" bit), so the chunks' deflate streams concatenate into one valid stream; the
 * last chunk is deflated with Z_FINISH. Header and trailer are written around them. Any gunzip reads
 * it as a single member, and since each chunk is compressed independently the work can be done on a
 * thread of our choosing (deflate-pool.ts) instead of zlib's async API, which runs on libuv's shared
 * thread pool next to the event log's fsyncs.
 *
 * Each chunk starts without the previous chunk's 32 KiB window: at 1 MiB chunks that costs well under
 * 0.1% in size. Output is a pure function of the input, the chunking, the level and the engine, so
 * re-delivered batches stay byte-identical. Pure functions only, no threads here.
 *
 * Two engines make the same kind of chunk. libdeflate (through the native addon, where `npm ci` found
 * it: Debian's libdeflate-dev) is the default there: at level 6 on 1 MiB chunks of the flush bench's
 * events it deflated in 5.1 ms per MiB, 5.9 with making the chunk continue (native/deflate_chunk.c),
 * against zlib's 6.7–7.6 in the same runs, and stored 7.12× against zlib's 6.95×. zlib (Node's, with
 * memLevel 9) is the engine everywhere else, and for any chunk the native side declines.
 */
import zlib from 'node:zlib';
import { nativeBinding } from '../../native/binding.js';

/** Magic, deflate, no flags, mtime 0, no extra flags, OS "Unix": what zlib.gzipSync writes. */
export const GZIP_HEADER: Buffer = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03]);

/** The running state of one gzip member's trailer: CRC-32 and length of everything deflated so far. */
export interface MemberState {
  crc: number;
  size: number;
}

/**
 * zlib's memLevel for every chunk: 9 (zlib's default is 8) doubles the match-finder's hash table to
 * 64 Ki entries (~128 KiB more per deflate), which on our NDJSON finds matches in fewer probes: about
 * 5–10% less CPU at level 6, and slightly smaller output (encoder.ts has the figures).
 */
export const DEFLATE_MEM_LEVEL = 9;

export const newMemberState = (): MemberState => ({ crc: 0, size: 0 });

export type DeflateEngine = 'libdeflate' | 'zlib';

/** libdeflate where the native addon was built with it, zlib otherwise (see the header). */
export const defaultDeflateEngine: DeflateEngine = nativeBinding?.deflateRawChunk ? 'libdeflate' : 'zlib';

/** Deflates one chunk with zlib: Z_FINISH ends the stream, Z_SYNC_FLUSH leaves it open, byte-aligned. */
export function zlibDeflateRawChunk(chunk: Uint8Array, level: number, last: boolean): Buffer {
  return zlib.deflateRawSync(chunk, { level, memLevel: DEFLATE_MEM_LEVEL, finishFlush: last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH });
}

/**
 * Deflates `chunk` as the next piece of the member whose state is `state` (updated). `last` ends the
 * deflate stream and appends the trailer; a last chunk may be empty.
 */
export function deflateChunk(chunk: Uint8Array, level: number, last: boolean, state: MemberState, engine: DeflateEngine = defaultDeflateEngine): Buffer {
  // Node's crc32 answers 0 for empty input whatever the running value, so an empty chunk leaves it be.
  if (chunk.byteLength > 0) state.crc = zlib.crc32(chunk, state.crc);
  state.size = (state.size + chunk.byteLength) % 0x1_0000_0000;
  const native = engine === 'libdeflate' ? nativeBinding?.deflateRawChunk?.(chunk, level, last) : undefined;
  const body = native ?? zlibDeflateRawChunk(chunk, level, last);
  if (!last) return body;
  const trailer = Buffer.allocUnsafe(8);
  trailer.writeUInt32LE(state.crc >>> 0, 0);
  trailer.writeUInt32LE(state.size, 4);
  return Buffer.concat([body, trailer]);
}
