/**
 * The object body encoder: NDJSON (one stored event per line, `\n` after every line) as one gzip
 * member into a sink, with backpressure. Lines are coalesced into fixed 1 MiB chunks, each deflated on
 * the low-priority deflate thread (../gzip/: never one zlib call per event; DESIGN A's "fast path" asks
 * ≥ 64 KiB), and the fixed chunking plus a fixed level make the output a pure function of the lines,
 * so a re-delivered batch is byte-identical.
 *
 * Level 6, with libdeflate where the addon has it (chunked-gzip.ts: 7.12× on the varied events below,
 * ~5.9 ms per MiB, continuing the stream included), else zlib's default level with its larger hash
 * (memLevel 9). The zlib figures that chose it, measured on 1 MiB
 * chunks of two kinds of events on the dev machine (alternating runs; the machine is shared and noisy):
 * the varied sample events of the flush bench (test-support/sample-events.ts, 20 MB) and the ingest
 * bench's more uniform ones (bench/support/events.ts):
 *   level 1: 5.97–6.03× (uniform events), ≈ 2× the speed of 6: objects ≈ 15% larger;
 *   level 5, memLevel 9: 6.742× varied / 6.911× uniform, 6.7 / 5.4–6.1 ms per MiB: 3.3% larger than
 *     level 6 on the varied events (0.1% on the uniform ones) for ~25% less CPU;
 *   level 6, memLevel 8 (zlib's defaults, used until 2026-12): 6.973× / 6.918×, 8.8–9.4 / 7.0–8.0 ms;
 *   level 6, memLevel 9: 6.979× / 6.924×, 8.4–8.5 / 6.7–7.7 ms: slightly smaller, ~5–10% less CPU;
 *   level 9: 7.1–7.2× (≈ 3% smaller than 6) at ≈ 1.5–2× the CPU.
 * Objects are written once and then stored, listed, synced and scanned (Athena bills bytes scanned of
 * the compressed data) many times, so bytes matter more than the CPU of a flush, which runs on a
 * low-priority thread; level 9 buys almost nothing for its cost.
 */
import { once } from 'node:events';
import { PassThrough, type Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GZIP_HEADER } from '../gzip/chunked-gzip.js';
import { deflatePool, type GzipMember, type MemberOpener } from '../gzip/deflate-pool.js';
import { LineChunker } from '../gzip/line-chunker.js';

export const GZIP_LEVEL = 6;
/**
 * Bytes deflated per job (DESIGN asks ≥ 64 KiB): each is one message to the deflate thread and one
 * independently deflated piece of the member (chunked-gzip.ts), so larger chunks cost less overhead
 * and lose less of the 32 KiB window at their starts; 1 MiB is ~10 ms of deflate.
 */
export const ZLIB_CHUNK_BYTES = 1024 * 1024;
/**
 * How much input may wait for the deflate thread before `writeLine` asks its caller to wait: a few
 * chunks of slack let reading the log (main thread) overlap compressing instead of taking turns. With
 * what a caller writes before awaiting (the uploader: the rest of one 1 MiB read chunk), it bounds
 * this encoder's buffered input.
 */
export const ZLIB_QUEUE_BYTES = 4 * 1024 * 1024;

/**
 * Chunks back from the deflate thread, to fill again instead of allocating: shared by every encoder
 * (each delivery batch makes new ones), at most a queue's worth plus the chunk being filled. Each
 * encoder keeping its own meant every batch allocated its MiB chunks afresh, left for the garbage
 * collector to find (~40 MB per 12 s at full load with delivery on).
 */
const spareChunks: Buffer[] = [];
const maxSpareChunkBytes = ZLIB_QUEUE_BYTES + ZLIB_CHUNK_BYTES;

/** A chunk of `bytes` (encoders made with another `chunkBytes`, in tests, simply allocate). */
function takeChunk(bytes: number): Buffer {
  return (bytes === ZLIB_CHUNK_BYTES ? spareChunks.pop() : undefined) ?? Buffer.allocUnsafe(bytes);
}

/**
 * Keeps a full-size chunk that is a whole buffer of its own (so it moves to the thread uncopied). A
 * memory already kept is refused: two encoders filling one chunk would corrupt both objects.
 */
function giveChunk(chunk: Buffer): void {
  if (chunk.byteLength !== ZLIB_CHUNK_BYTES || chunk.byteOffset !== 0 || chunk.buffer.byteLength !== ZLIB_CHUNK_BYTES) return;
  if ((spareChunks.length + 1) * ZLIB_CHUNK_BYTES > maxSpareChunkBytes) return;
  if (spareChunks.some((spare) => spare.buffer === chunk.buffer)) return;
  spareChunks.push(chunk);
}

export class NdjsonGzipEncoder {
  readonly #out: PassThrough;
  readonly #member: GzipMember;
  readonly #done: Promise<void>;
  readonly #queueBytes: number;
  readonly #chunker: LineChunker;
  #lines = 0;
  #bytes = 0;
  /** Input bytes handed to the deflate thread and not yet written out. */
  #queued = 0;
  /** Writes of deflated chunks to the output, chained in chunk order. */
  #written: Promise<void> = Promise.resolve();
  #failure: unknown;

  /**
   * Starts the gzip member, piped (through the optional `through` transforms, e.g. a hasher) into
   * `sink`; `end()` ends them all and resolves once the sink has finished.
   */
  constructor(
    sink: Writable,
    options: { level?: number; through?: readonly Transform[]; chunkBytes?: number; queueBytes?: number; deflate?: MemberOpener } = {},
  ) {
    const chunkBytes = Math.max(64 * 1024, options.chunkBytes ?? ZLIB_CHUNK_BYTES);
    this.#queueBytes = options.queueBytes ?? ZLIB_QUEUE_BYTES;
    this.#chunker = new LineChunker(chunkBytes, () => takeChunk(chunkBytes), (full) => this.#enqueue(full, false));
    this.#member = (options.deflate ?? deflatePool).openMember(options.level ?? GZIP_LEVEL);
    this.#out = new PassThrough();
    this.#done = pipeline([this.#out, ...(options.through ?? []), sink]);
    // Remember a failure at once, so the next write throws instead of waiting for a drain that never comes.
    this.#done.catch((error: unknown) => this.#fail(error ?? new Error('encoder pipeline failed')));
    this.#out.write(GZIP_HEADER);
  }
  /** Lines written so far. */
  get lines(): number {
    return this.#lines;
  }

  /** Uncompressed NDJSON bytes written so far (lines + newlines). */
  get uncompressedBytes(): number {
    return this.#bytes;
  }

  /**
   * Appends `line` and a newline, taking all of it before returning (full chunks go to the deflate
   * thread at once). Returns undefined when the caller may go on, or a promise when zlib is behind
   * (backpressure): no promise per event on the fast path. The caller may write a few more lines (the
   * rest of a read chunk) before awaiting it; queued input then exceeds the queue bound by those lines.
   * Awaiting per chunk rather than per line lets the records of a read die young: held across the
   * wait for the niced deflate thread, they were promoted, and grew the old generation.
   */
  writeLine(line: Uint8Array): Promise<void> | undefined {
    this.#lines++;
    this.#bytes += line.byteLength + 1;
    if (this.#chunker.fits(line)) {
      this.#chunker.append(line);
      return undefined;
    }
    this.#throwIfFailed();
    this.#chunker.appendSpanning(line);
    return this.#queued > this.#queueBytes ? this.#drained() : undefined;
  }

  /** Resolves once everything queued so far is deflated and written out (rejects if the member failed). */
  async #drained(): Promise<void> {
    await this.#written;
    this.#throwIfFailed();
  }

  /** Deflates what is pending as the member's last chunk, writes the trailer and waits until the sink has everything. */
  async end(): Promise<void> {
    this.#throwIfFailed();
    const { rest, chunk } = this.#chunker.finish();
    // A last piece filling the whole chunk goes to the thread as the chunk itself, and comes back as
    // the deflate's input (kept there); a shorter one is copied, and the chunk is free once it is done.
    const chunkIsFree = rest.byteLength < chunk.byteLength;
    this.#enqueue(rest, true);
    await this.#written;
    this.#throwIfFailed();
    if (chunkIsFree) giveChunk(chunk);
    this.#out.end();
    await this.#done;
  }

  /** Stops early: the sink is destroyed too (the caller discards what it received). */
  destroy(error?: Error): void {
    this.#member.abandon();
    this.#out.destroy(error);
    this.#done.catch(() => {});
  }

  /** Hands `chunk` to the deflate thread and chains writing its output after the chunks before it. */
  #enqueue(chunk: Buffer, last: boolean): void {
    const size = chunk.byteLength;
    this.#queued += size;
    const deflated = this.#member.deflate(chunk, last);
    // Handled by the chain below; this only stops an unhandled rejection while earlier writes wait.
    deflated.catch(() => {});
    this.#written = this.#written.then(async () => {
      if (this.#failure !== undefined) return;
      try {
        const { output, input } = await deflated;
        this.#queued -= size;
        giveChunk(input);
        if (!this.#out.write(output)) await Promise.race([once(this.#out, 'drain'), this.#done]);
      } catch (error) {
        this.#fail(error);
      }
    });
  }

  #fail(error: unknown): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    this.#member.abandon();
    this.#out.destroy(error instanceof Error ? error : new Error(String(error)));
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }
}
