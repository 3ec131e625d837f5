/**
 * Reusable buffers for group commit (group-commit-writer.ts): every group is encoded into one
 * buffer, written, synced and dropped, so a fresh allocation per group churned up to 4 MiB of
 * off-heap memory per fsync — memory V8 frees only when a garbage collection notices, which showed
 * as peak RSS under load. A couple of buffers cover streams writing at the same moment; more streams
 * than that allocate as before. Buffers larger than the group cap (a single oversized append) are
 * never kept.
 */
export class ScratchBuffers {
  readonly #maxBytes: number;
  readonly #keep: number;
  readonly #free: Buffer[] = [];

  constructor(options: { maxBytes: number; keep: number }) {
    this.#maxBytes = options.maxBytes;
    this.#keep = options.keep;
  }

  /** A buffer of exactly `bytes` (a view of a kept one when one is large enough). */
  take(bytes: number): Buffer {
    const index = this.#free.findIndex((buffer) => buffer.length >= bytes);
    if (index >= 0) return this.#free.splice(index, 1)[0]!.subarray(0, bytes);
    // Room to grow into (groups vary in size), but never more than a group may hold.
    const size = bytes <= this.#maxBytes ? Math.min(this.#maxBytes, Math.max(bytes * 2, 256 * 1024)) : bytes;
    return Buffer.allocUnsafeSlow(size).subarray(0, bytes);
  }

  /** Hands back a buffer from `take` once nothing reads it any more. */
  give(buffer: Buffer): void {
    const whole = buffer.buffer;
    if (buffer.byteOffset !== 0 || whole.byteLength > this.#maxBytes) return;
    if (this.#free.length < this.#keep) {
      this.#free.push(Buffer.from(whole));
      return;
    }
    // Full: keep the larger of the new one and the smallest kept.
    let smallest = 0;
    for (let index = 1; index < this.#free.length; index++) if (this.#free[index]!.length < this.#free[smallest]!.length) smallest = index;
    if (this.#free[smallest]!.length < whole.byteLength) this.#free[smallest] = Buffer.from(whole);
  }
}
