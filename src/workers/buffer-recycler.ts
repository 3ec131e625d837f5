/**
 * A bounded free list of dedicated ArrayBuffers, for memory that moves between threads once per
 * request: batch bodies (main thread → ingest worker → back) and the workers' stored-line buffers
 * (worker → main thread → back once appended). Allocating both afresh per request left ~130 KB of
 * off-heap garbage per request for V8 to notice; at ~1,700 requests/s that held tens of MB of dead
 * buffers at any moment, and the glibc arenas they came from stayed at their high-water mark (most of
 * the server's peak RSS under load). Reused, the same few dozen buffers circulate.
 *
 * Buffers are dedicated (never a slice of Node's shared pool), so a whole one can be transferred.
 * Sizes round up to `granuleBytes`, so requests of similar size share buffers; a spare is reused only
 * for a request at least a quarter of its size, so one huge body does not pin a huge buffer to small ones.
 */
export interface BufferRecyclerOptions {
  /** Spares kept; more given back are dropped (left to the garbage collector). */
  readonly maxSpares: number;
  /** Allocation granule, default 16 KiB. */
  readonly granuleBytes?: number;
}

export class BufferRecycler {
  readonly #maxSpares: number;
  readonly #granule: number;
  readonly #spares: ArrayBuffer[] = [];

  constructor(options: BufferRecyclerOptions) {
    this.#maxSpares = options.maxSpares;
    this.#granule = options.granuleBytes ?? 16 * 1024;
  }

  /** Spares held now. */
  get spares(): number {
    return this.#spares.length;
  }

  /** A dedicated ArrayBuffer of at least `bytes` (a spare when one fits, else a new one). */
  take(bytes: number): ArrayBuffer {
    const spares = this.#spares;
    for (let index = spares.length - 1; index >= 0; index--) {
      const spare = spares[index]!;
      if (spare.byteLength >= bytes && spare.byteLength <= Math.max(bytes, this.#granule) * 4) {
        spares[index] = spares[spares.length - 1]!;
        spares.pop();
        return spare;
      }
    }
    const size = Math.ceil(Math.max(bytes, 1) / this.#granule) * this.#granule;
    // allocUnsafeSlow: a dedicated, unpooled and not zero-filled allocation (it is overwritten).
    return Buffer.allocUnsafeSlow(size).buffer as ArrayBuffer;
  }

  /** Hands back a buffer nothing reads any more. Detached (transferred) buffers are ignored. */
  give(buffer: ArrayBuffer): void {
    if (buffer.byteLength === 0 || this.#spares.length >= this.#maxSpares) return;
    this.#spares.push(buffer);
  }

  /** Hands one spare over, whatever its size (to be transferred elsewhere); undefined when none. */
  takeAny(): ArrayBuffer | undefined {
    return this.#spares.pop();
  }
}
