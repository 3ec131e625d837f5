/**
 * The contract between the generic delivery runtime (`src/delivery/`, STYLE 2) and a destination
 * (`src/destinations/<type>/`). The runtime owns cursors, batching, retries, backoff and status; a
 * destination only turns one batch of log records into objects and says which errors are worth retrying.
 */
import type { FileRange, StoredRecord } from '../log/event-log.js';

/** One batch: the records of one source's stream in [firstOffset, endOffset), fixed before delivery. */
export interface DeliveryBatch {
  readonly sourceId: string;
  readonly firstOffset: number;
  readonly endOffset: number;
  /**
   * Streams the batch's records in log order, a bounded chunk at a time (about a MiB of records, as
   * the log read them); never the batch whole in memory. Each call starts again from `firstOffset`, so
   * a retry re-reads identical records. A chunk's records and their `data` are valid only until the
   * next chunk is asked for or the iteration ends (the memory is reused): copy what must be kept. Chunks, not single
   * records: an async step per record cost the main thread a promise and an iterator result per event,
   * kept alive (and promoted by the garbage collector) while a slow destination waited.
   */
  chunks(): AsyncIterable<readonly StoredRecord[]>;
  /**
   * Where the batch's records lie in the log's files (`EventLog.fileRanges`), when the log keeps them
   * in files: a destination may read them on a thread of its own instead of through `chunks()`, so
   * that the records never occupy the event loop. Asked again for each pass, like `chunks()`.
   */
  fileRanges?(): readonly FileRange[];
}

/** An object a delivery wrote. */
export interface DeliveredObject {
  readonly key: string;
  readonly events: number;
  /** Bytes of the object as stored (compressed). */
  readonly bytes: number;
}

export interface Destination {
  /**
   * Writes the batch. Must be idempotent: delivering the same batch again writes byte-identical objects
   * under identical keys (keys derive from the batch's log positions, never from the clock).
   */
  deliver(batch: DeliveryBatch, signal: AbortSignal): Promise<DeliveredObject[]>;
  /** Retry policy as data (STYLE 4): false for errors that only a change of settings can fix. */
  isRetriable(error: unknown): boolean;
  /** A message for the destination's status that tells the user what to fix. */
  describeError(error: unknown): string;
}
