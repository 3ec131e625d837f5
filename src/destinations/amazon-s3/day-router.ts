/**
 * Which day's object a record of a batch goes to, in one pass over the batch: one object per received
 * day, at most `maxOpenDays` open at once, days finished by an earlier pass skipped. Records of a day
 * met when the limit is reached wait for a later pass (`daysLeft`). Shared by both ways of spooling a
 * batch (uploader.ts on the event loop, spool-worker.ts on the spool thread), so they cut objects alike.
 */
import { receivedDayOf } from './keys.js';

/** Starts the object of `day`, whose first record is the one at `firstOffset`, received at `firstReceivedAt`. */
export type DayObjectStarter<Writer> = (day: number, firstReceivedAt: number, firstOffset: number) => Writer;

export class DayRouter<Writer> {
  /** The objects of this pass, in the order their days were first met. */
  readonly open = new Map<number, Writer>();
  #daysLeft = false;
  readonly #finishedDays: ReadonlySet<number>;
  readonly #maxOpenDays: number;
  readonly #start: DayObjectStarter<Writer>;

  constructor(finishedDays: ReadonlySet<number>, maxOpenDays: number, start: DayObjectStarter<Writer>) {
    this.#finishedDays = finishedDays;
    this.#maxOpenDays = maxOpenDays;
    this.#start = start;
  }

  /** True when some record belongs to a day this pass could not open: another pass is needed. */
  get daysLeft(): boolean {
    return this.#daysLeft;
  }

  /** The writer of the record's day, started if need be; undefined when the record is not this pass's. */
  writerFor(offset: number, receivedAt: number): Writer | undefined {
    const day = receivedDayOf(receivedAt);
    const writer = this.open.get(day);
    if (writer !== undefined) return writer;
    if (this.#finishedDays.has(day)) return undefined;
    if (this.open.size >= this.#maxOpenDays) {
      this.#daysLeft = true;
      return undefined;
    }
    const started = this.#start(day, receivedAt, offset);
    this.open.set(day, started);
    return started;
  }
}
