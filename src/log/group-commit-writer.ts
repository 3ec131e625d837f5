/**
 * The append path of one stream: group commit. Appends queue here; one drain loop at a time takes
 * the whole queue (up to a byte cap), encodes it into ONE buffer, writes it with ONE positioned write,
 * makes it durable with ONE fdatasync (both in one thread-pool job where the native addon is built,
 * durable-write.ts), and only then resolves every append of the group. Appends that
 * arrive while a sync is in flight wait for the next group, so syncs track disk latency, not request
 * rate. Each append is encoded contiguously inside its group, and a group goes wholly into one
 * segment, so an append is contiguous and all-or-nothing.
 *
 * Failure rules (never acknowledge what might not be on disk):
 * - ENOSPC while writing: the partial bytes are truncated away and the group fails with `log_full`;
 *   the log stays writable (space may come back).
 * - Any failed fdatasync, or any other write error: the group and the queue fail, and the log is
 *   marked failed, refusing writes until reopened. A failed fsync is never retried, because the kernel
 *   may have dropped the dirty pages and a second fsync would "succeed" without them.
 */
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { SluiceError } from '../errors/index.js';
import type { AppendRecord, AppendResult, PackedRecords } from './event-log.js';
import { logFull, type DiskBudget } from './disk-budget.js';
import { segmentFileName, syncDirectory } from './file-names.js';
import { DurableWriteError, type DurableWrite } from './durable-write.js';
import { encodeFrames, encodePackedFrames, framedSize, packedFramedSize } from './frame-codec.js';
import type { ScratchBuffers } from './scratch-buffers.js';
import type { SegmentChain, Segment } from './segment-chain.js';

/** A group stops taking appends past this many bytes (one append alone may exceed it). */
export const MAX_GROUP_BYTES = 4 * 1024 * 1024;

export interface AppendStats {
  /** append() calls that were written. */
  appends: number;
  records: number;
  /** Group writes, each followed by exactly one fdatasync. */
  syncs: number;
  /** Frame bytes written (headers included). */
  bytes: number;
  /** Directory fsyncs (new stream directories and segment files). */
  directorySyncs: number;
}

/** What a writer shares with the rest of the log. */
export interface WriterContext {
  readonly segmentBytes: number;
  readonly budget: DiskBudget;
  readonly stats: AppendStats;
  /** Where groups are encoded (reused across groups and streams). */
  readonly scratch: ScratchBuffers;
  /** Puts an encoded group on disk: write, then fdatasync. */
  readonly durableWrite: DurableWrite;
  /** Throws `log_unavailable` while the log cannot take new appends (failed or closing). */
  assertWritable(): void;
  /** True once a write or sync failed: queued groups must not be written either. */
  isFailed(): boolean;
  /** Marks the whole log failed after an unrecoverable write or sync error. */
  fail(stream: string, error: unknown): void;
}

interface PendingAppend {
  readonly records: readonly AppendRecord[] | PackedRecords;
  /** How many records. */
  readonly count: number;
  readonly bytes: number;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

/** The two shapes an append arrives in: record objects, or `appendPacked`'s buffer and positions. */
function isPacked(records: readonly AppendRecord[] | PackedRecords): records is PackedRecords {
  return !Array.isArray(records);
}

class GroupFailure extends Error {
  constructor(
    readonly publicError: SluiceError,
    readonly failsLog: boolean,
  ) {
    super(publicError.message, { cause: publicError.cause });
  }
}

export class GroupCommitWriter {
  readonly #stream: string;
  readonly #chain: SegmentChain;
  readonly #context: WriterContext;
  readonly #ensureDirectory: () => Promise<void>;
  readonly #onDurable: (endOffset: number) => void;
  #queue: PendingAppend[] = [];
  #draining: Promise<void> | undefined;
  #handle: FileHandle | undefined;

  constructor(
    stream: string,
    chain: SegmentChain,
    context: WriterContext,
    ensureDirectory: () => Promise<void>,
    onDurable: (endOffset: number) => void,
  ) {
    this.#stream = stream;
    this.#chain = chain;
    this.#context = context;
    this.#ensureDirectory = ensureDirectory;
    this.#onDurable = onDurable;
  }

  /**
   * Queues `records` for the next group. The payloads are copied when the group is encoded, not
   * here (no per-append copy), so a caller must not change them until the append settles.
   */
  append(records: readonly AppendRecord[] | PackedRecords): Promise<AppendResult> {
    this.#context.assertWritable();
    const bytes = isPacked(records) ? packedFramedSize(records) : framedSize(records);
    const count = isPacked(records) ? records.positions.length / 2 : records.length;
    if (count === 0) {
      const end = this.#chain.endOffset;
      return Promise.resolve({ firstOffset: end, nextOffset: end });
    }
    this.#context.budget.reserve(bytes);
    return new Promise<AppendResult>((resolve, reject) => {
      this.#queue.push({ records, count, bytes, resolve, reject });
      // setImmediate, not a microtask: requests parsed in the same event-loop turn join the first group.
      this.#draining ??= new Promise<void>((started) => setImmediate(started)).then(() => this.#drain());
    });
  }

  /** Waits for every queued append to settle, then closes the segment handle. */
  async close(): Promise<void> {
    while (this.#draining) await this.#draining;
    await this.#handle?.close();
    this.#handle = undefined;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const group = this.#takeGroup();
        try {
          await this.#writeGroup(group);
        } catch (error) {
          this.#rejectAll(group, error);
        }
      }
    } finally {
      this.#draining = undefined;
    }
  }

  #takeGroup(): PendingAppend[] {
    let bytes = 0;
    let count = 0;
    while (count < this.#queue.length && (count === 0 || bytes + this.#queue[count]!.bytes <= MAX_GROUP_BYTES)) {
      bytes += this.#queue[count]!.bytes;
      count++;
    }
    return this.#queue.splice(0, count);
  }

  async #writeGroup(group: PendingAppend[]): Promise<void> {
    let groupBytes = 0;
    for (const pending of group) groupBytes += pending.bytes;
    const buffer = this.#context.scratch.take(groupBytes);
    try {
      await this.#encodeWriteSync(group, buffer, groupBytes);
    } finally {
      this.#context.scratch.give(buffer);
    }
  }

  async #encodeWriteSync(group: PendingAppend[], buffer: Buffer, groupBytes: number): Promise<void> {
    let position = 0;
    for (const { records } of group) {
      position = isPacked(records) ? encodePackedFrames(buffer, position, records) : encodeFrames(buffer, position, records);
    }

    const { segment, handle } = await this.#segmentFor(groupBytes);
    const writeAt = segment.size;
    try {
      await this.#context.durableWrite(handle, buffer, groupBytes, writeAt);
    } catch (error) {
      if (error instanceof DurableWriteError && error.step === 'write') throw await this.#writeFailure(handle, writeAt, error.cause);
      throw new GroupFailure(errorFor(error instanceof DurableWriteError ? error.cause : error), true);
    }

    const stats = this.#context.stats;
    stats.syncs++;
    stats.bytes += groupBytes;
    // Size, count and index move together in this tick, so a backlog count sees one consistent state.
    segment.size += groupBytes;
    segment.index?.noteFrames(buffer);
    this.#context.budget.commit(groupBytes);
    let recordOffset = segment.baseOffset + writeAt;
    for (const pending of group) {
      stats.appends++;
      stats.records += pending.count;
      if (segment.records !== undefined) segment.records += pending.count;
      pending.resolve({ firstOffset: recordOffset, nextOffset: recordOffset + pending.bytes });
      recordOffset += pending.bytes;
    }
    this.#onDurable(this.#chain.endOffset);
  }

  /** The open active segment, rolling first when this group would overflow a non-empty one. */
  async #segmentFor(groupBytes: number): Promise<{ segment: Segment; handle: FileHandle }> {
    if (this.#context.isFailed()) throw new GroupFailure(unavailable(), false);
    const active = this.#chain.active;
    if (active && (active.size === 0 || active.size + groupBytes <= this.#context.segmentBytes)) {
      this.#handle ??= await open(active.path, 'r+').catch((error: unknown) => {
        throw new GroupFailure(errorFor(error), true);
      });
      return { segment: active, handle: this.#handle };
    }
    await this.#handle?.close();
    this.#handle = undefined;
    const handle = await this.#createSegmentFile();
    this.#handle = handle;
    return { segment: this.#chain.addSegment(), handle };
  }

  /** Creates the next segment file and makes its directory entry durable before any data goes in. */
  async #createSegmentFile(): Promise<FileHandle> {
    const path = join(this.#chain.directory, segmentFileName(this.#chain.endOffset));
    let handle: FileHandle | undefined;
    try {
      await this.#ensureDirectory();
      handle = await open(path, 'wx');
      await syncDirectory(this.#chain.directory);
      this.#context.stats.directorySyncs++;
      return handle;
    } catch (error) {
      await handle?.close().catch(() => undefined);
      if (handle) await unlink(path).catch(() => undefined);
      throw new GroupFailure(errorFor(error), (error as NodeJS.ErrnoException).code !== 'ENOSPC');
    }
  }

  /** Undoes a partial write; only a clean undo after ENOSPC keeps the log writable. */
  async #writeFailure(handle: FileHandle, durableSize: number, error: unknown): Promise<GroupFailure> {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') return new GroupFailure(errorFor(error), true);
    try {
      await handle.truncate(durableSize);
      return new GroupFailure(logFull(error), false);
    } catch {
      return new GroupFailure(logFull(error), true);
    }
  }

  #rejectAll(group: PendingAppend[], error: unknown): void {
    const failure = error instanceof GroupFailure ? error : new GroupFailure(errorFor(error), true);
    if (failure.failsLog) this.#context.fail(this.#stream, failure.cause ?? failure.publicError);
    const victims = failure.failsLog ? [...group, ...this.#queue.splice(0)] : group;
    for (const pending of victims) {
      this.#context.budget.cancel(pending.bytes);
      pending.reject(failure.publicError);
    }
  }
}

/** ENOSPC is the budget's problem (`log_full`); anything else means the log cannot write. */
function errorFor(error: unknown): SluiceError {
  if (error instanceof SluiceError) return error;
  if ((error as NodeJS.ErrnoException).code === 'ENOSPC') return logFull(error);
  return unavailable(error);
}

function unavailable(cause?: unknown): SluiceError {
  return new SluiceError('log_unavailable', undefined, { retryAfterSeconds: 30, cause });
}
