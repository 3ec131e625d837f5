/**
 * The EventLog contract: one ordered, durable stream of records per source (DESIGN A, "log/").
 *
 * Everything between the Tracking API and the destinations goes through this interface, so it leaks no
 * transport: no file handles, no connections, no transactions. The embedded implementation is
 * segmented append-only files on local disk; a distributed one (NATS JetStream) must pass the same
 * conformance suite (`conformance.ts`).
 *
 * Offsets are opaque, strictly increasing numbers within a stream; they need not be contiguous (the
 * file log uses byte positions). The only arithmetic a caller may do on them is comparison; every
 * record carries the offset of the record after it (`nextOffset`), which is what a consumer commits.
 */

/** One record to append: the stored bytes (one serialized event) and when it was received (ms epoch). */
export interface AppendRecord {
  readonly timestamp: number;
  readonly data: Uint8Array;
}

/**
 * Records laid out in one buffer, all received at `timestamp`: record i is the `positions[2i + 1]`
 * bytes at `positions[2i]` of `bytes` (the ingest worker's output). `EventLog.appendPacked` appends
 * them without an object per record: at ~100 records per request, those objects lived until the
 * append's fsync, long enough to be promoted, and were a large share of the main heap's garbage.
 */
export interface PackedRecords {
  readonly timestamp: number;
  readonly bytes: Uint8Array;
  readonly positions: Uint32Array;
  /**
   * True when each record's payload is preceded in `bytes` by its complete frame header for
   * `timestamp`, written with the file log's own `frameHeaderAt` (frame-codec.ts): the ingest worker
   * frames records as it encodes them, so the event loop only copies frames, with no CRC and no object
   * per record. A log that does not store frames ignores it (the positions still say where each
   * payload is).
   */
  readonly framed?: boolean;
}

/** A record read back from a stream. */
export interface StoredRecord {
  readonly offset: number;
  /** Offset of the following record: commit this to mark the record consumed. */
  readonly nextOffset: number;
  /** Receive time in ms since the Unix epoch, as appended. */
  readonly timestamp: number;
  readonly data: Buffer;
}

export interface AppendResult {
  /** Offset of the first appended record. */
  readonly firstOffset: number;
  /** Offset the next append will get (= end of this append). */
  readonly nextOffset: number;
}

export interface ReadOptions {
  /** Stop after this many records. */
  readonly maxRecords?: number;
  /**
   * Stop before the payload total would exceed this many bytes. At least one record is returned when
   * one is available, however large, so a reader always makes progress.
   */
  readonly maxBytes?: number;
  /**
   * Read into this buffer instead of fresh memory, for a reader that copies what it keeps (delivery):
   * the records' data are then views of it, valid only until the caller writes to it again (its next
   * read with the same buffer). The read stops where the buffer is full, after at least one record
   * (a record larger than the buffer gets memory of its own). A log may ignore it: data that stays
   * valid longer is fine.
   */
  readonly into?: Buffer;
}

export interface Backlog {
  /** Records between the given offset and the end of the stream. */
  readonly records: number;
  /** Payload bytes of those records (the stored events, without framing). */
  readonly bytes: number;
}

export interface SpanOptions {
  /** The span holds only records that start before this offset (default: the end of the stream). */
  readonly endOffset?: number;
  /**
   * The span's weight may not exceed this: the first record joins whatever it weighs, each later one
   * only while the total stays within it.
   */
  readonly maxWeight: number;
  /**
   * Added to each record's payload bytes to make its weight (default 0): a reader that writes each
   * record with a separator, e.g. 1 for the newline after each NDJSON line, weighs what it will write.
   */
  readonly bytesPerRecord?: number;
}

/** A run of consecutive whole records, measured without their payloads (`EventLog.span`). */
export interface Span {
  /** Offset of its first record; when empty, where it would start. */
  readonly firstOffset: number;
  /** Offset after its last record: where the next span starts (`firstOffset` when empty). */
  readonly nextOffset: number;
  readonly records: number;
  /** Payload bytes of its records (without `bytesPerRecord`). */
  readonly bytes: number;
  /** True when it ended because the next record would have taken it past `maxWeight`. */
  readonly full: boolean;
}

/**
 * Where some of a stream's records lie in a local file (`EventLog.fileRanges`): the frames whose
 * positions in `path` are in [from, to), the file's first byte being stream offset `baseOffset`.
 * `segmentEnd` is where the file's durable bytes end (a frame claiming to run past it is damage).
 */
export interface FileRange {
  readonly path: string;
  readonly baseOffset: number;
  readonly from: number;
  readonly to: number;
  readonly segmentEnd: number;
}

export interface LogUsage {
  /** Bytes the log holds on its medium now. */
  readonly bytes: number;
  /** The budget (`SLUICE_LOG_MAX_BYTES`); appends that would exceed it fail with `log_full`. */
  readonly maxBytes: number;
}

export interface EventLog {
  /**
   * Appends records to the end of `stream`, in order, all or none. Resolves only once they are durable
   * (fsync'd); concurrent appends share syncs (group commit). Rejects with a `SluiceError` whose code is
   * `log_full` when the disk budget would be exceeded, or `log_unavailable` when the log cannot write.
   * The records' bytes must stay unchanged until the promise settles; after that the log keeps no
   * reference to them, and the caller may reuse the memory (the Tracking API does, ingest-pool.ts).
   */
  append(stream: string, records: readonly AppendRecord[]): Promise<AppendResult>;

  /**
   * Appends the records `packed` describes, in order, exactly as `append` would append them as
   * separate records (same guarantees, same errors; a position outside `bytes` is a RangeError and
   * nothing is appended). `bytes` must stay unchanged until the promise settles.
   */
  appendPacked(stream: string, packed: PackedRecords): Promise<AppendResult>;

  /** Reads records with offset ≥ `fromOffset`, in order. An offset below the retained start reads from the start. */
  read(stream: string, fromOffset: number, options?: ReadOptions): Promise<StoredRecord[]>;

  /**
   * Optional, for logs kept in local files: where the records [firstOffset, endOffset) of `stream` lie
   * (both must be record boundaries of the retained stream, as `span` returns them), so another thread
   * can read them itself (`file-range-reader.ts`) instead of the caller's event loop reading them.
   * The ranges stay valid while the records are retained, i.e. until every consumer's cursor passes
   * them. A log without it is read with `read`.
   */
  fileRanges?(stream: string, firstOffset: number, endOffset: number): FileRange[];

  /** Offset of the oldest retained record of `stream` (its end when empty; 0 for an unknown stream). */
  startOffset(stream: string): number;

  /** The offset the next append to `stream` will get; reading from it returns nothing. */
  endOffset(stream: string): number;

  /**
   * The offset of a record near `maxBytes` before the end of `stream`, for readers that want only its
   * recent tail (e.g. the messageIds accepted lately): reading from it to the end returns a suffix of
   * the stream of roughly `maxBytes` (possibly somewhat more or fewer). The start when the stream is
   * smaller; 0 for an unknown stream. No I/O.
   */
  tailOffset(stream: string, maxBytes: number): number;

  /** How many records and payload bytes lie between `fromOffset` and the end of `stream`. */
  backlog(stream: string, fromOffset: number): Promise<Backlog>;

  /**
   * Measures the longest run of whole records from `fromOffset` (the retained start when below it)
   * that fits `options`: what a reader of bounded batches needs to know before reading one. It reads
   * no payloads where the log can avoid it (the file log walks its record index and a few frame
   * headers), so planning a 100 MiB batch does not cost a 100 MiB read.
   */
  span(stream: string, fromOffset: number, options: SpanOptions): Promise<Span>;

  /** Names of every stream that holds or has held records. */
  streams(): string[];

  /**
   * Durably records that `consumer` has consumed `stream` up to (not including) `offset`. The first
   * commit registers the consumer. Retained data is deleted only once it is behind every registered
   * consumer's cursor; a stream with no consumer keeps everything (within the disk budget).
   */
  commitCursor(stream: string, consumer: string, offset: number): Promise<void>;

  /** The committed cursor of `consumer` on `stream`, or undefined when it has none. */
  cursor(stream: string, consumer: string): number | undefined;

  /** Unregisters `consumer` from `stream`, so its cursor no longer holds data back. */
  removeConsumer(stream: string, consumer: string): Promise<void>;

  /** Calls `listener` after every durable append; returns the unsubscribe function. */
  onAppend(listener: (stream: string, endOffset: number) => void): () => void;

  /** Disk use against the budget. */
  usage(): LogUsage;

  /** True while appends can be accepted (for `/readyz`). */
  isWritable(): boolean;

  /** Waits for in-flight appends, syncs, and releases every resource. Further calls reject. */
  close(): Promise<void>;
}
