/**
 * The size trigger: tells the runner when the backlog from its cursor holds at least one full batch.
 *
 * It simply asks the log (`log.backlog`), which answers from segment sizes and its sparse index
 * (at most one short header walk, nothing for a cursor asked about before), so no appended record is
 * read back. At most one question is in flight however fast appends arrive: checks arriving meanwhile
 * collapse into one more question once it settles, so the answer always reflects the latest appends.
 */
import type { EventLog } from '../log/event-log.js';
import { backlogFillsBatch } from './batch-plan.js';

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
  #state: 'idle' | 'running' | 'again' = 'idle';
  #stopped = false;

  constructor(options: SizeTriggerOptions) {
    this.#options = options;
  }

  /**
   * The cursor moved (a pass ended): an answer in flight was computed from the old cursor, so ask
   * again once it settles rather than trusting it for the next decision.
   */
  reset(): void {
    if (this.#state === 'running') this.#state = 'again';
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
    const { log, stream, cursor, maxBatchBytes, onFull, onError } = this.#options;
    log
      .backlog(stream, cursor())
      .then((backlog) => {
        if (!this.#stopped && backlogFillsBatch(backlog, maxBatchBytes)) onFull();
      })
      .catch((error: unknown) => onError(error))
      .finally(() => {
        const again = this.#state === 'again';
        this.#state = 'idle';
        if (again) this.check();
      });
  }
}
