/**
 * The embedded EventLog: segmented append-only files on local disk, one directory per stream. This
 * file wires the parts together and owns the log-wide state (lock, budget, failure, listeners); the
 * parts are the frame codec, the segment chain, the group-commit writer, the reader, recovery and
 * the cursor store.
 *
 * Layout of `directory`:
 *
 *   sluice-log.lock                       pid of the process that has the log open
 *   streams/<encoded stream name>/        one per stream (see `encodeStreamName`)
 *     00000000000000000000.seg            segments, named by base offset (20 digits, sorts lexically)
 *     00000000000067108880.seg
 *     cursors.json                        {consumer: offset}, replaced atomically
 *
 * Guarantees: an append resolves only after its bytes are fdatasync'd; a crash at any instant loses
 * no acknowledged record (recovery cuts only unacknowledged torn tails).
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SluiceError } from '../errors/index.js';
import { countBacklog, type BacklogStats } from './backlog-counter.js';
import { CursorStore } from './cursor-store.js';
import { acquireDirectoryLock, type DirectoryLock } from './directory-lock.js';
import { DiskBudget } from './disk-budget.js';
import { defaultDurableWrite, type DurableWrite } from './durable-write.js';
import type { AppendRecord, AppendResult, Backlog, EventLog, FileRange, LogUsage, PackedRecords, ReadOptions, Span, SpanOptions, StoredRecord } from './event-log.js';
import { decodeStreamName, encodeStreamName, STREAMS_DIRECTORY, syncDirectory } from './file-names.js';
import { MAX_GROUP_BYTES, type AppendStats, type WriterContext } from './group-commit-writer.js';
import { ScratchBuffers } from './scratch-buffers.js';
import { silentLogger, type LogLogger } from './log-logger.js';
import { DEFAULT_CACHED_TAIL_BYTES, type CachedTailOptions } from './cached-tail.js';
import { InvalidOffsetError } from './log-errors.js';
import { pageCacheDropper, pageCacheDropperUnavailable, type PageCacheDropper } from './page-cache.js';
import { recoverStream } from './recovery.js';
import { SegmentChain } from './segment-chain.js';
import { measureSpan } from './span-measure.js';
import { assertSpanOptions } from './span-options.js';
import { fileRangesOf, readStream } from './stream-reader.js';
import { StreamState } from './stream-state.js';
import { tailOffsetOf } from './tail-offset.js';

export interface FileEventLogOptions {
  /** The log's own directory (created if missing); nothing else may write in it. */
  readonly directory: string;
  /** Disk budget: total bytes of all segments (`SLUICE_LOG_MAX_BYTES`). */
  readonly maxBytes: number;
  /**
   * A segment is rolled before it would grow past this (default 64 MiB, at most a quarter of
   * `maxBytes`); a bigger single append gets a segment of its own.
   */
  readonly segmentBytes?: number;
  /**
   * Consumed segments that end within this many bytes of their stream's end are kept while the log
   * holds less than half its budget (default 0: every consumed segment goes). The deduplicator reads a
   * stream's end back after a restart (tracking/dedup): a client's retry of a batch that was delivered
   * just before a crash must still find its messageIds there.
   */
  readonly keepConsumedBytes?: number;
  /**
   * Bytes at the end of each stream left in the kernel's page cache; durable pages further back are
   * dropped from it (cached-tail.ts, page-cache.ts say why). Default 256 MiB; `Infinity` leaves every
   * page to the kernel.
   */
  readonly cachedTailBytes?: number;
  /** What drops pages (default: the native binding, when it is built). */
  readonly pageCacheDropper?: PageCacheDropper;
  /**
   * How a group is written and synced (default: both in one thread-pool job where the native addon is
   * built, durable-write.ts). Tests pass `writeThenSync`, or a faulty one.
   */
  readonly durableWrite?: DurableWrite;
  readonly logger?: LogLogger;
}

export type FileEventLogStats = Readonly<AppendStats & BacklogStats>;

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
const MIN_SEGMENT_BYTES = 256;

export class FileEventLog implements EventLog {
  readonly #streamsDirectory: string;
  readonly #budget: DiskBudget;
  readonly #keepConsumedBytes: number;
  readonly #cachedTail: CachedTailOptions | undefined;
  readonly #logger: LogLogger;
  readonly #lock: DirectoryLock;
  readonly #streams = new Map<string, StreamState>();
  readonly #listeners = new Set<(stream: string, endOffset: number) => void>();
  readonly #stats: AppendStats = { appends: 0, records: 0, syncs: 0, bytes: 0, directorySyncs: 0 };
  readonly #backlogStats: BacklogStats = { backlogReadBytes: 0 };
  readonly #context: WriterContext;
  #failure: unknown;
  #closing = false;
  #closed: Promise<void> | undefined;

  private constructor(options: FileEventLogOptions, segmentBytes: number, lock: DirectoryLock) {
    this.#streamsDirectory = join(options.directory, STREAMS_DIRECTORY);
    this.#budget = new DiskBudget(options.maxBytes);
    this.#keepConsumedBytes = options.keepConsumedBytes ?? 0;
    this.#logger = options.logger ?? silentLogger;
    const windowBytes = options.cachedTailBytes ?? DEFAULT_CACHED_TAIL_BYTES;
    const dropper = options.pageCacheDropper ?? pageCacheDropper;
    this.#cachedTail = dropper && windowBytes !== Infinity ? { windowBytes, dropper, logger: this.#logger } : undefined;
    this.#lock = lock;
    this.#context = {
      segmentBytes,
      budget: this.#budget,
      stats: this.#stats,
      scratch: new ScratchBuffers({ maxBytes: MAX_GROUP_BYTES, keep: 2 }),
      durableWrite: options.durableWrite ?? defaultDurableWrite,
      assertWritable: () => this.#assertWritable(),
      isFailed: () => this.#failure !== undefined,
      fail: (stream, error) => this.#fail(stream, error),
    };
  }

  /** Opens (creating if needed) the log in `options.directory`, recovering every stream's tail. */
  static async open(options: FileEventLogOptions): Promise<FileEventLog> {
    const requestedSegmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    if (!Number.isSafeInteger(requestedSegmentBytes) || requestedSegmentBytes < MIN_SEGMENT_BYTES) {
      throw new RangeError(`segmentBytes must be an integer ≥ ${MIN_SEGMENT_BYTES}.`);
    }
    new DiskBudget(options.maxBytes); // validates before touching the disk
    const keep = options.keepConsumedBytes ?? 0;
    if (!Number.isSafeInteger(keep) || keep < 0) throw new RangeError('keepConsumedBytes must be a non-negative integer.');
    const cachedTail = options.cachedTailBytes ?? DEFAULT_CACHED_TAIL_BYTES;
    if (cachedTail !== Infinity && (!Number.isSafeInteger(cachedTail) || cachedTail < 0)) {
      throw new RangeError('cachedTailBytes must be a non-negative integer or Infinity.');
    }
    const logger = options.logger ?? silentLogger;
    if (cachedTail !== Infinity && !options.pageCacheDropper && !pageCacheDropper) {
      logger.info({ reason: pageCacheDropperUnavailable }, 'event log: native page cache binding not built; written pages stay cached (slower writes on some virtual machines)');
    }
    // The active segment is never deleted, so it must stay well inside the budget: with segments as big
    // as the budget, a full active segment would block appends forever, consumed or not.
    const segmentBytes = Math.min(requestedSegmentBytes, Math.max(MIN_SEGMENT_BYTES, Math.floor(options.maxBytes / 4)));
    if (segmentBytes < requestedSegmentBytes) {
      logger.info({ segmentBytes, maxBytes: options.maxBytes }, 'event log: segments capped at a quarter of the disk budget');
    }
    await mkdir(options.directory, { recursive: true });
    const lock = await acquireDirectoryLock(options.directory, (stalePid) =>
      logger.warn({ directory: options.directory, stalePid }, 'event log: took over the lock of a process that is gone'),
    );
    try {
      const log = new FileEventLog(options, segmentBytes, lock);
      await log.#load();
      return log;
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  async #load(): Promise<void> {
    await mkdir(this.#streamsDirectory, { recursive: true });
    await syncDirectory(join(this.#streamsDirectory, '..'));
    for (const entry of await readdir(this.#streamsDirectory, { withFileTypes: true })) {
      const name = entry.isDirectory() ? decodeStreamName(entry.name) : undefined;
      if (name === undefined) {
        this.#logger.warn({ entry: join(this.#streamsDirectory, entry.name) }, 'event log: ignoring an unknown entry');
        continue;
      }
      const directory = join(this.#streamsDirectory, entry.name);
      const { chain } = await recoverStream(name, directory, this.#logger);
      const state = this.#newState(name, chain, await CursorStore.load(directory), true);
      this.#budget.addExisting(chain.bytes);
      const lowest = state.cursors.lowest();
      if (lowest !== undefined && lowest > chain.endOffset) {
        // Only possible if segment files were removed by hand: new records would hide behind the cursor.
        this.#logger.warn({ stream: name, cursor: lowest, endOffset: chain.endOffset }, 'event log: a cursor is beyond the end of its stream');
      }
      await state.applyRetention(this.#budget, this.#logger, this.#keepConsumedBytes);
    }
  }

  append(stream: string, records: readonly AppendRecord[]): Promise<AppendResult> {
    try {
      return this.#state(stream).writer.append(records);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  appendPacked(stream: string, packed: PackedRecords): Promise<AppendResult> {
    try {
      return this.#state(stream).writer.append(packed);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async read(stream: string, fromOffset: number, options: ReadOptions = {}): Promise<StoredRecord[]> {
    this.#assertOpen();
    assertOffset(fromOffset, true);
    const state = this.#streams.get(stream);
    return state ? readStream(stream, state.chain, fromOffset, options) : [];
  }

  fileRanges(stream: string, firstOffset: number, endOffset: number): FileRange[] {
    this.#assertOpen();
    assertOffset(firstOffset, false);
    assertOffset(endOffset, false);
    const chain = this.#streams.get(stream)?.chain;
    if (!chain || endOffset <= firstOffset) return [];
    if (firstOffset < chain.startOffset) throw new InvalidOffsetError(stream, firstOffset, 'it is no longer retained');
    if (endOffset > chain.endOffset) throw new InvalidOffsetError(stream, endOffset, 'it lies past the durable end of the stream');
    return fileRangesOf(chain, firstOffset, endOffset);
  }

  startOffset(stream: string): number {
    return this.#streams.get(stream)?.chain.startOffset ?? 0;
  }

  endOffset(stream: string): number {
    return this.#streams.get(stream)?.chain.endOffset ?? 0;
  }

  tailOffset(stream: string, maxBytes: number): number {
    const chain = this.#streams.get(stream)?.chain;
    return chain ? tailOffsetOf(chain, maxBytes) : 0;
  }

  async backlog(stream: string, fromOffset: number): Promise<Backlog> {
    this.#assertOpen();
    assertOffset(fromOffset, true);
    const state = this.#streams.get(stream);
    return state ? countBacklog(stream, state.chain, fromOffset, this.#backlogStats) : { records: 0, bytes: 0 };
  }

  async span(stream: string, fromOffset: number, options: SpanOptions): Promise<Span> {
    this.#assertOpen();
    assertOffset(fromOffset, true);
    assertSpanOptions(options);
    const state = this.#streams.get(stream);
    if (!state) return { firstOffset: Math.max(fromOffset, 0), nextOffset: Math.max(fromOffset, 0), records: 0, bytes: 0, full: false };
    return measureSpan(stream, state.chain, fromOffset, options, this.#backlogStats);
  }

  streams(): string[] {
    return [...this.#streams.values()].filter((state) => state.hasSegments).map((state) => state.name);
  }

  async commitCursor(stream: string, consumer: string, offset: number): Promise<void> {
    this.#assertOpen();
    assertConsumer(consumer);
    assertOffset(offset, false);
    const state = this.#state(stream);
    if (offset > state.chain.endOffset) {
      throw new RangeError(`Cursor ${offset} of "${consumer}" is beyond the end (${state.chain.endOffset}) of stream "${stream}".`);
    }
    await state.ensureDirectory(this.#context);
    await state.cursors.set(consumer, offset);
    await state.applyRetention(this.#budget, this.#logger, this.#keepConsumedBytes);
  }

  cursor(stream: string, consumer: string): number | undefined {
    return this.#streams.get(stream)?.cursors.get(consumer);
  }

  async removeConsumer(stream: string, consumer: string): Promise<void> {
    this.#assertOpen();
    const state = this.#streams.get(stream);
    if (!state || state.cursors.get(consumer) === undefined) return;
    await state.cursors.set(consumer, undefined);
    await state.applyRetention(this.#budget, this.#logger, this.#keepConsumedBytes);
  }

  onAppend(listener: (stream: string, endOffset: number) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  usage(): LogUsage {
    return { bytes: this.#budget.usedBytes, maxBytes: this.#budget.maxBytes };
  }

  isWritable(): boolean {
    return !this.#closing && this.#failure === undefined;
  }

  /**
   * Counters since open: proof that group commit shares syncs (`syncs` ≪ `appends` under load), and
   * that backlog counts read little (`backlogReadBytes`).
   */
  stats(): FileEventLogStats {
    return { ...this.#stats, ...this.#backlogStats };
  }

  close(): Promise<void> {
    this.#closing = true;
    this.#closed ??= (async () => {
      try {
        for (const state of this.#streams.values()) await state.writer.close();
        for (const state of this.#streams.values()) await state.cachedTail?.close();
        for (const state of this.#streams.values()) await state.cursors.settle();
      } finally {
        this.#listeners.clear();
        await this.#lock.release();
      }
    })();
    return this.#closed;
  }

  #state(stream: string): StreamState {
    let state = this.#streams.get(stream);
    if (!state) {
      this.#assertWritable();
      const directory = join(this.#streamsDirectory, encodeStreamName(stream));
      state = this.#newState(stream, new SegmentChain(directory), CursorStore.empty(directory), false);
    }
    return state;
  }

  #newState(name: string, chain: SegmentChain, cursors: CursorStore, directoryExists: boolean): StreamState {
    const state = new StreamState(name, chain, cursors, this.#context, directoryExists, (stream, end) => this.#notify(stream, end), this.#cachedTail);
    this.#streams.set(name, state);
    return state;
  }

  #notify(stream: string, endOffset: number): void {
    for (const listener of this.#listeners) {
      try {
        listener(stream, endOffset);
      } catch (error) {
        this.#logger.error({ stream, err: error }, 'event log: an onAppend listener threw');
      }
    }
  }

  #fail(stream: string, error: unknown): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    this.#logger.error({ stream, err: error }, 'event log: a write or sync failed; refusing appends until the log is reopened');
  }

  #assertOpen(): void {
    if (this.#closing) throw new SluiceError('log_unavailable', 'The event log is closed.');
  }

  #assertWritable(): void {
    this.#assertOpen();
    if (this.#failure !== undefined) {
      throw new SluiceError('log_unavailable', 'The event log hit a write error and refuses appends until reopened.', {
        retryAfterSeconds: 30,
      });
    }
  }
}

function assertOffset(offset: number, allowNegative: boolean): void {
  if (!Number.isSafeInteger(offset) || (!allowNegative && offset < 0)) throw new RangeError(`${offset} is not a valid offset.`);
}

function assertConsumer(consumer: string): void {
  if (typeof consumer !== 'string' || consumer.length === 0) throw new RangeError('A consumer name must be a non-empty string.');
}
