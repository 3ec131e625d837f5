/**
 * Keeps only the newest `windowBytes` of a stream in the kernel's page cache: once the stream's
 * durable end has moved more than that past a byte, its page is dropped (page-cache.ts says why).
 * Delivery reads a batch back soon after it fills (100 MiB by default), so the window (default
 * 256 MiB) still holds what it is about to read; older data a lagging reader asks for comes from the
 * disk, as it would anyway once the log outgrew memory.
 *
 * Only durable bytes are dropped (synced pages are clean; nothing is lost or written by a drop). Drops
 * go in steps of at least `stepBytes`, one at a time per stream, off the event loop, each through its
 * own short-lived handle on the segment file: never the writer's, which a roll may close meanwhile.
 * A segment that retention deleted meanwhile is skipped (its pages went with it). Any other failure is
 * logged once and ends dropping for the stream: only speed depends on it, never the data.
 */
import type { LogLogger } from './log-logger.js';
import type { PageCacheDropper } from './page-cache.js';
import type { Segment, SegmentChain } from './segment-chain.js';
import { openSegment } from './stream-reader.js';

/** Drops cover whole pages only; a range ends on this boundary unless it runs to the end of a sealed segment. */
const PAGE_BYTES = 4096;
/**
 * The largest folio the kernel caches a file in (a huge page on x86-64 and 4 KiB-page arm64). A drop
 * only takes folios wholly inside its range, so one straddling where the previous drop ended would
 * never go; each drop therefore starts this far back (dropping pages already gone costs next to nothing).
 */
const MAX_FOLIO_BYTES = 2 * 1024 * 1024;

export const DEFAULT_CACHED_TAIL_BYTES = 256 * 1024 * 1024;

export interface CachedTailOptions {
  readonly windowBytes: number;
  readonly dropper: PageCacheDropper;
  readonly logger: LogLogger;
}

/** Dropping in steps no smaller than this (a quarter of the window, within 64 KiB–8 MiB) keeps the calls few. */
export function dropStepBytes(windowBytes: number): number {
  return Math.min(8 * 1024 * 1024, Math.max(64 * 1024, Math.floor(windowBytes / 4)));
}

export class CachedTail {
  readonly #stream: string;
  readonly #chain: SegmentChain;
  readonly #options: CachedTailOptions;
  readonly #stepBytes: number;
  /** Stream offset before which this tail has dropped (or leaves alone) every page. */
  #droppedThrough: number;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(stream: string, chain: SegmentChain, options: CachedTailOptions) {
    this.#stream = stream;
    this.#chain = chain;
    this.#options = options;
    this.#stepBytes = dropStepBytes(options.windowBytes);
    // What a recovered stream held before this process started is left to the kernel: only pages
    // this log writes, or that were inside the window at start-up, are ever dropped.
    this.#droppedThrough = Math.max(chain.startOffset, chain.endOffset - options.windowBytes);
  }

  /** Where dropping has reached (a stream offset); for tests and diagnostics. */
  get droppedThrough(): number {
    return this.#droppedThrough;
  }

  /** Called after each durable group: starts a drop when a whole step has left the window. */
  noteDurable(): void {
    if (this.#running || this.#stopped || !this.#stepDue()) return;
    this.#running = this.#run()
      // #drop reports its own failures; this is for a bug, which must not become an unhandled rejection.
      .catch((error: unknown) => {
        this.#stopped = true;
        this.#failed(this.#chain.directory, error);
      })
      .finally(() => (this.#running = undefined));
  }

  /** Resolves once no drop is running (one started meanwhile is waited for too). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Waits for a running drop; no new one starts. */
  async close(): Promise<void> {
    this.#stopped = true;
    await this.#running;
  }

  #target(): number {
    return this.#chain.endOffset - this.#options.windowBytes;
  }

  #stepDue(): boolean {
    return this.#target() - Math.max(this.#droppedThrough, this.#chain.startOffset) >= this.#stepBytes;
  }

  async #run(): Promise<void> {
    while (!this.#stopped && this.#stepDue()) {
      const before = this.#droppedThrough;
      await this.#dropThrough(this.#target());
      // Nothing could go this time (the target sits inside the first page left): wait for more writes.
      if (this.#droppedThrough <= before) return;
    }
  }

  /** Drops segment by segment, oldest first, up to `target` (a stream offset). */
  async #dropThrough(target: number): Promise<void> {
    while (!this.#stopped) {
      const from = Math.max(this.#droppedThrough, this.#chain.startOffset);
      const segment = this.#chain.segments[this.#chain.indexOf(from)];
      if (!segment || from >= target) return;
      const segmentEnd = segment.baseOffset + segment.size;
      const start = from - segment.baseOffset;
      const dropFrom = Math.floor(start / MAX_FOLIO_BYTES) * MAX_FOLIO_BYTES;
      // A sealed segment wholly out of the window goes to its end, last partial page included
      // (length 0); otherwise stop on a page boundary, so the page that straddles `target` stays.
      const whole = segment !== this.#chain.active && target >= segmentEnd;
      const end = whole ? segment.size : Math.floor((Math.min(target, segmentEnd) - segment.baseOffset) / PAGE_BYTES) * PAGE_BYTES;
      if (end <= start) return;
      if (!(await this.#drop(segment, dropFrom, whole ? 0 : end - dropFrom))) {
        this.#stopped = true;
        return;
      }
      this.#droppedThrough = segment.baseOffset + end;
    }
  }

  /** Drops one range of one segment file; false when dropping must stop for good. */
  async #drop(segment: Segment, offset: number, length: number): Promise<boolean> {
    let handle;
    try {
      handle = await openSegment(segment);
    } catch (error) {
      return this.#failed(segment.path, error);
    }
    // Deleted by retention since the chain was read: its pages went with it.
    if (!handle) return true;
    try {
      await this.#options.dropper.drop(handle.fd, offset, length);
      return true;
    } catch (error) {
      return this.#failed(segment.path, error);
    } finally {
      // A read-only descriptor has nothing to flush; a failed close loses nothing.
      await handle.close().catch(() => undefined);
    }
  }

  #failed(path: string, error: unknown): false {
    this.#options.logger.warn(
      { stream: this.#stream, segment: path, err: error },
      'event log: could not drop written pages from the page cache; leaving them to the kernel for this stream',
    );
    return false;
  }
}
