/**
 * When a destination flushes on its own: a cron pattern (default "40 * * * *", hourly at minute 40 as
 * Segment does) or a fixed interval in seconds. Owns the next-time arithmetic and one re-arming timer;
 * what a flush does is the runner's business.
 */
import { Cron } from 'croner';

export const defaultFlushSchedule = '40 * * * *';
export const defaultMaxBatchBytes = 100 * 1024 * 1024;

/** How a destination batches (from its type's `create`). */
export interface BatchingPolicy {
  readonly maxBatchBytes: number;
  /** Cron pattern (5 or 6 fields); used when `flushIntervalSeconds` is not set. */
  readonly flushSchedule?: string | undefined;
  /** Flush every this many seconds instead of the cron schedule. */
  readonly flushIntervalSeconds?: number | undefined;
}

/** The time (ms epoch) of the first scheduled flush strictly after `now`. */
export function nextFlushTime(policy: BatchingPolicy, now: number): number {
  if (policy.flushIntervalSeconds !== undefined) return now + policy.flushIntervalSeconds * 1000;
  const next = new Cron(policy.flushSchedule ?? defaultFlushSchedule, { utcOffset: 0 }).nextRun(new Date(now));
  if (!next) throw new Error(`The flush schedule "${policy.flushSchedule}" never fires.`);
  return next.getTime();
}

// setTimeout overflows above 2^31-1 ms (~24.8 days); longer waits re-arm.
const maxTimerMs = 2 ** 31 - 1;

/** Calls `onFlush` at every scheduled time until stopped. */
export class FlushTimer {
  #timer: NodeJS.Timeout | undefined;
  #nextAt: number | undefined;
  #stopped = false;

  constructor(
    private readonly policy: BatchingPolicy,
    private readonly onFlush: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.#arm(nextFlushTime(this.policy, this.now()));
  }

  get nextAt(): number | undefined {
    return this.#nextAt;
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#nextAt = undefined;
  }

  #arm(at: number): void {
    if (this.#stopped) return;
    this.#nextAt = at;
    this.#timer = setTimeout(() => {
      if (this.now() < at) return this.#arm(at);
      this.onFlush();
      this.#arm(nextFlushTime(this.policy, Math.max(this.now(), at)));
    }, Math.min(maxTimerMs, Math.max(0, at - this.now())));
    this.#timer.unref();
  }
}
