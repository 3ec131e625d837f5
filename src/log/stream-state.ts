/**
 * Everything the log keeps per stream: its directory, segment chain, writer and cursors, and the
 * retention rule that ties cursors to segment deletion. One instance per stream, made on first use
 * or found at start-up.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CachedTail, type CachedTailOptions } from './cached-tail.js';
import { CursorStore } from './cursor-store.js';
import type { DiskBudget } from './disk-budget.js';
import { syncDirectory } from './file-names.js';
import { GroupCommitWriter, type WriterContext } from './group-commit-writer.js';
import { unlinkGradually } from './gradual-unlink.js';
import type { LogLogger } from './log-logger.js';
import type { SegmentChain } from './segment-chain.js';

export class StreamState {
  readonly name: string;
  readonly chain: SegmentChain;
  readonly cursors: CursorStore;
  readonly writer: GroupCommitWriter;
  /** Drops what left the page-cache window after each durable group (undefined: the kernel keeps all). */
  readonly cachedTail: CachedTail | undefined;
  #directoryReady: Promise<void> | undefined;

  constructor(
    name: string,
    chain: SegmentChain,
    cursors: CursorStore,
    context: WriterContext,
    directoryExists: boolean,
    onDurable: (stream: string, endOffset: number) => void,
    cachedTail?: CachedTailOptions,
  ) {
    this.name = name;
    this.chain = chain;
    this.cursors = cursors;
    if (directoryExists) this.#directoryReady = Promise.resolve();
    const tail = cachedTail && new CachedTail(name, chain, cachedTail);
    this.cachedTail = tail;
    this.writer = new GroupCommitWriter(name, chain, context, () => this.ensureDirectory(context), (end) => {
      tail?.noteDurable();
      onDurable(name, end);
    });
  }

  /** True once the stream holds (or held) records: it has a segment file. */
  get hasSegments(): boolean {
    return this.chain.segments.length > 0;
  }

  /** Creates the stream directory and makes its entry durable, once. */
  ensureDirectory(context: Pick<WriterContext, 'stats'>): Promise<void> {
    this.#directoryReady ??= (async () => {
      await mkdir(this.chain.directory, { recursive: true });
      await syncDirectory(dirname(this.chain.directory));
      context.stats.directorySyncs++;
    })().catch((error: unknown) => {
      this.#directoryReady = undefined;
      throw error;
    });
    return this.#directoryReady;
  }

  /**
   * Deletes every segment wholly behind every registered consumer's cursor (never the active one),
   * except those ending within `keepConsumedBytes` of the stream's end while the budget is less than
   * half used (they hold the messageIds the deduplicator reads back after a restart; under pressure,
   * space comes first). Without consumers nothing is deleted. The unlinks are not followed by a
   * directory fsync: a deletion lost in a crash only brings back data that is already consumed.
   */
  async applyRetention(budget: DiskBudget, logger: LogLogger, keepConsumedBytes = 0): Promise<void> {
    const lowest = this.cursors.lowest();
    if (lowest === undefined) return;
    const keepFrom = keepConsumedBytes > 0 && budget.usedBytes < budget.maxBytes / 2 ? this.chain.endOffset - keepConsumedBytes : lowest;
    const removed = this.chain.removeSegmentsBefore(Math.min(lowest, keepFrom));
    if (removed.length === 0) return;
    let bytes = 0;
    for (const segment of removed) {
      budget.release(segment.size);
      bytes += segment.size;
      // In steps: a 64 MiB segment freed at once stalled the log's own fdatasyncs (gradual-unlink.ts).
      await unlinkGradually(segment.path).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
          logger.warn({ stream: this.name, segment: segment.path, err: error }, 'event log: could not delete a consumed segment');
        }
      });
    }
    logger.info({ stream: this.name, segments: removed.length, bytes, startOffset: this.chain.startOffset }, 'event log: deleted consumed segments');
  }
}
