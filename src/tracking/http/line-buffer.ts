/**
 * UTF-8 encoding of one request's stored lines into one growable buffer instead of a Buffer per event:
 * `Buffer.from` per line refilled Node's 8 KiB pool every dozen events and allocated a Buffer object each
 * time (visible in CPU profiles of batch ingest). Each record is a view into the buffer; growing copies
 * what is written so far into a buffer twice as large, so earlier views (into the old buffer) and
 * offsets (into either) stay valid. Memory stays bounded by the request.
 *
 * `transferable`: the buffer is a dedicated ArrayBuffer, never a slice of Node's shared pool, so an
 * ingest worker can transfer it to the main thread (ingest-job.ts). With a `recycler`, the first buffer
 * is one the main thread handed back (workers/buffer-recycler.ts); it may be larger than asked for.
 */
import type { BufferRecycler } from '../../workers/buffer-recycler.js';

export interface LineBufferOptions {
  readonly transferable: boolean;
  /**
   * Bytes left free before each line (default 0): room for the event log's frame header, which the
   * ingest worker writes there (ingest-job.ts), so the log appends the lines as ready frames.
   */
  readonly roomBeforeEachLine?: number;
  /** Where a transferable buffer's first allocation comes from (growth allocates afresh). */
  readonly recycler?: BufferRecycler;
}

export class LineBuffer {
  readonly #transferable: boolean;
  readonly #roomBefore: number;
  #bytes: Buffer;
  #used = 0;

  /**
   * Sized for one request's stored lines: the body plus room for each event's enrichment (a few
   * hundred bytes), so growing is rare.
   */
  static forRequest(bodyBytes: number, events: number, options: LineBufferOptions): LineBuffer {
    return new LineBuffer(bodyBytes + events * (256 + (options.roomBeforeEachLine ?? 0)) + 1024, options);
  }

  constructor(initialBytes: number, options: LineBufferOptions) {
    this.#transferable = options.transferable;
    this.#roomBefore = options.roomBeforeEachLine ?? 0;
    const bytes = Math.max(initialBytes, 64);
    this.#bytes = options.transferable && options.recycler ? Buffer.from(options.recycler.take(bytes)) : this.#allocate(bytes);
  }

  /** Encodes `line` after the previous ones and returns its bytes. */
  write(line: string): Uint8Array {
    this.#used += this.#roomBefore;
    // A UTF-16 code unit never needs more than 3 UTF-8 bytes.
    const worstCase = line.length * 3;
    if (this.#bytes.length - this.#used < worstCase) {
      const grown = this.#allocate(Math.max(this.#bytes.length * 2, this.#used + worstCase));
      this.#bytes.copy(grown, 0, 0, this.#used);
      this.#bytes = grown;
    }
    const bytes = this.#bytes;
    const written = bytes.write(line, this.#used, 'utf8');
    // A plain view, not a Buffer (subarray): a third of the cost, and callers need only the bytes.
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset + this.#used, written);
    this.#used += written;
    return view;
  }

  /** The memory the lines are in now (a view of all of it; it changes when the buffer grows). */
  get bytes(): Buffer {
    return this.#bytes;
  }

  /** The whole underlying memory, for transfer (lines are at their views' offsets). */
  get buffer(): ArrayBuffer {
    if (!this.#transferable) throw new Error('LineBuffer: only a transferable buffer may be handed over.');
    return this.#bytes.buffer as ArrayBuffer;
  }

  #allocate(bytes: number): Buffer {
    return this.#transferable ? Buffer.allocUnsafeSlow(bytes) : Buffer.allocUnsafe(bytes);
  }
}
