/**
 * The log-wide disk budget (`maxBytes`): the bytes of every segment of every stream, plus the bytes
 * of appends accepted but not yet written. Reserving before writing is what makes "an append that
 * would exceed the budget writes nothing" hold under concurrency.
 */
import { SluiceError } from '../errors/index.js';

/** How long a client should wait after `log_full`: delivery frees space in whole segments, not instantly. */
const LOG_FULL_RETRY_AFTER_SECONDS = 5;

export class DiskBudget {
  readonly maxBytes: number;
  #usedBytes = 0;
  #reservedBytes = 0;

  constructor(maxBytes: number) {
    if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) throw new RangeError('maxBytes must be a positive integer.');
    this.maxBytes = maxBytes;
  }

  /** Bytes the segments hold on disk now. */
  get usedBytes(): number {
    return this.#usedBytes;
  }

  /** Claims `bytes` for an append, or throws `log_full` without claiming anything. */
  reserve(bytes: number): void {
    if (this.#usedBytes + this.#reservedBytes + bytes > this.maxBytes) throw logFull();
    this.#reservedBytes += bytes;
  }

  /** The reserved bytes were written: they now count as used. */
  commit(bytes: number): void {
    this.#reservedBytes -= bytes;
    this.#usedBytes += bytes;
  }

  /** The reserved bytes were not written after all. */
  cancel(bytes: number): void {
    this.#reservedBytes -= bytes;
  }

  /** Segment bytes found at start-up. */
  addExisting(bytes: number): void {
    this.#usedBytes += bytes;
  }

  /** Segment bytes deleted or truncated away. */
  release(bytes: number): void {
    this.#usedBytes -= bytes;
  }
}

export function logFull(cause?: unknown): SluiceError {
  return new SluiceError('log_full', undefined, { retryAfterSeconds: LOG_FULL_RETRY_AFTER_SECONDS, cause });
}
