/**
 * The size trigger: tells the runner when the backlog from its cursor holds at least one full batch.
 *
 * Asking the log for the whole backlog after every append would rescan it again and again under load,
 * so the count is kept incrementally: one full count after each delivery pass (`reset`), then only the
 * records appended since are read and added. Appends racing a count can only make it larger, which at
 * worst starts a pass early (the pass cuts batches exactly, and the next reset corrects the count).
 * At most one measurement runs at a time, however fast appends arrive.
 */
import type { Backlog, EventLog } from '../log/event-log.js';
import { backlogFillsBatch } from './batch-plan.js';
import { readChunkBytes } from './batch-reader.js';

export interface SizeTriggerOptions {
  readonly log: EventLog;
  readonly stream: string;
  /** The consumer's current cursor. */
  readonly cursor: () => number;
  readonly maxBatchBytes: number;
  readonly onFull: () => void;
  readonly onError: (error: unknown) => void;
}

export class SizeTrigger {
  readonly #options: SizeTriggerOptions;
  #counted: { backlog: Backlog; upTo: number } | undefined;
  #state: 'idle' | 'running' | 'again' = 'idle';
  #stopped = false;

  constructor(options: SizeTriggerOptions) {
    this.#options = options;
  }

  /** Forget the running count (the cursor moved); the next check counts from scratch. */
  reset(): void {
    this.#counted = undefined;
  }

  stop(): void {
    this.#stopped = true;
  }

  check(): void {
    if (this.#stopped) return;
    if (this.#state !== 'idle') {
      this.#state = 'again';
      return;
    }
    this.#state = 'running';
    this.#measure()
      .then((backlog) => {
        if (!this.#stopped && backlogFillsBatch(backlog, this.#options.maxBatchBytes)) this.#options.onFull();
      })
      .catch((error: unknown) => this.#options.onError(error))
      .finally(() => {
        const again = this.#state === 'again';
        this.#state = 'idle';
        if (again) this.check();
      });
  }

  async #measure(): Promise<Backlog> {
    const { log, stream } = this.#options;
    if (!this.#counted) {
      // End first, then count: appends in between are counted now and again below (an over-count).
      const upTo = log.endOffset(stream);
      this.#counted = { backlog: await log.backlog(stream, this.#options.cursor()), upTo };
    }
    const counted = this.#counted;
    let { records, bytes } = counted.backlog;
    let offset = counted.upTo;
    while (!this.#stopped && offset < log.endOffset(stream)) {
      const chunk = await log.read(stream, offset, { maxBytes: readChunkBytes });
      if (chunk.length === 0) break;
      for (const record of chunk) {
        records++;
        bytes += record.data.byteLength;
        offset = record.nextOffset;
      }
      // Stop reading once a batch is full: the pass that follows resets the count anyway.
      if (backlogFillsBatch({ records, bytes }, this.#options.maxBatchBytes)) break;
    }
    if (this.#counted === counted) this.#counted = { backlog: { records, bytes }, upTo: offset };
    return { records, bytes };
  }
}
