/**
 * The generic delivery driver (STYLE 2) for one (destination, source) pair: reads the source's stream
 * from the destination's cursor, cuts batches, records each batch's boundaries in the metadata store,
 * delivers it, commits the cursor, clears the record. Owns cursors, triggers, retries and status.
 *
 * It must never commit a cursor before the destination has the data (STYLE 3), never re-cut a recorded
 * batch (a retry or a post-crash redo writes identical objects under identical keys), and never give up:
 * failures retry with capped, jittered backoff forever while the data waits in the log.
 */
import { SluiceError } from '../errors/index.js';
import type { EventLog } from '../log/event-log.js';
import { backoffDelayMs, defaultBackoffPolicy, type BackoffPolicy } from './backoff.js';
import { deliveryBatch, planNextBatch } from './batch-reader.js';
import type { DeliveredObject, Destination } from './destination.js';
import { SimulatedCrash, type FaultHook, type FaultPoint } from './fault-hooks.js';
import { FlushTimer, type BatchingPolicy } from './flush-schedule.js';
import { SizeTrigger } from './size-trigger.js';
import type { BatchStore } from './stores.js';
import type { DeliveryRecordSummary, ErrorSummary, RunnerSnapshot } from './status.js';
import { Wakeup } from './wakeup.js';

export interface DeliveryLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface RunnerOptions {
  readonly destinationId: string;
  readonly sourceId: string;
  readonly log: EventLog;
  readonly destination: Destination;
  readonly batches: BatchStore;
  readonly batching: BatchingPolicy;
  readonly backoff?: BackoffPolicy;
  /** [0, 1) like Math.random; injectable so tests pin the jitter. */
  readonly random?: () => number;
  readonly now?: () => number;
  readonly faultHook?: FaultHook | undefined;
  readonly logger?: DeliveryLogger | undefined;
}

type DrainMode = 'full-batches' | 'everything';

interface FlushWaiter {
  resolve(objects: DeliveredObject[]): void;
  reject(error: Error): void;
}

/** One pass over the backlog, up to `endOffset` as it stood when the pass was asked for. */
interface DrainRequest {
  mode: DrainMode;
  endOffset: number;
  waiters: FlushWaiter[];
}

interface Batch {
  readonly firstOffset: number;
  readonly endOffset: number;
}

export class DeliveryRunner {
  readonly #options: RunnerOptions;
  readonly #stream: string;
  readonly #consumer: string;
  readonly #wakeup = new Wakeup();
  readonly #abort = new AbortController();
  readonly #timer: FlushTimer;
  readonly #now: () => number;
  #wanted: DrainMode | undefined;
  #waiters: FlushWaiter[] = [];
  #running = false;
  #stopping = false;
  #delivering = false;
  #done: Promise<void> | undefined;
  #unsubscribe: (() => void) | undefined;
  readonly #sizeTrigger: SizeTrigger;
  #lastDelivery: DeliveryRecordSummary | undefined;
  #lastError: ErrorSummary | undefined;
  #consecutiveFailures = 0;
  #nextAttemptAt: number | undefined;

  constructor(options: RunnerOptions) {
    this.#options = options;
    this.#stream = options.sourceId;
    this.#consumer = options.destinationId;
    this.#now = options.now ?? Date.now;
    this.#timer = new FlushTimer(options.batching, () => this.#want('everything'), this.#now);
    this.#sizeTrigger = new SizeTrigger({
      log: options.log,
      stream: this.#stream,
      cursor: () => options.log.cursor(this.#stream, this.#consumer) ?? options.log.startOffset(this.#stream),
      maxBatchBytes: options.batching.maxBatchBytes,
      onFull: () => this.#want('full-batches'),
      onError: (error) => options.logger?.warn({ destinationId: options.destinationId, sourceId: options.sourceId, err: error }, 'backlog check failed'),
    });
  }

  /** Starts the loop; `done` settles when it ends (rejects only on a simulated crash or a bug). */
  start(): Promise<void> {
    if (this.#done) return this.#done;
    this.#running = true;
    this.#done = this.#run().finally(() => this.#release());
    return this.#done;
  }

  /** Delivers everything pending now; resolves with the objects written, rejects if an attempt fails. */
  flush(): Promise<DeliveredObject[]> {
    if (!this.#running || this.#stopping) return Promise.reject(new SluiceError('delivery_stopped'));
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      this.#want('everything');
    });
  }

  /** Stops: abandons an upload in progress (its recorded batch is redone on the next start). */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#abort.abort(new SluiceError('delivery_stopped'));
    this.#wakeup.wake();
    await this.#done?.catch(() => {});
    this.#release();
  }

  snapshot(): RunnerSnapshot {
    return {
      sourceId: this.#options.sourceId,
      running: this.#running,
      delivering: this.#delivering,
      lastDelivery: this.#lastDelivery,
      lastError: this.#lastError,
      nextAttemptAt: this.#nextAttemptAt,
      nextFlushAt: this.#timer.nextAt,
    };
  }

  async #run(): Promise<void> {
    const { log, batches, destinationId, sourceId } = this.#options;
    if (log.cursor(this.#stream, this.#consumer) === undefined) {
      // A new destination starts at the retained start of the stream: events acknowledged before it
      // existed are delivered too, never silently skipped.
      await log.commitCursor(this.#stream, this.#consumer, log.startOffset(this.#stream));
    }
    if (await batches.recordedBatch(destinationId, sourceId)) this.#want('full-batches');
    this.#unsubscribe = log.onAppend((stream) => {
      if (stream === this.#stream) this.#checkSize();
    });
    this.#timer.start();
    this.#checkSize();
    while (!this.#stopping) {
      if (this.#wanted === undefined) {
        await this.#wakeup.wait();
        continue;
      }
      const request: DrainRequest = { mode: this.#wanted, endOffset: log.endOffset(this.#stream), waiters: this.#waiters };
      this.#wanted = undefined;
      this.#waiters = [];
      this.#wakeup.clear();
      await this.#drain(request);
      this.#sizeTrigger.reset();
      this.#checkSize();
    }
  }

  async #drain(request: DrainRequest): Promise<void> {
    const objects: DeliveredObject[] = [];
    try {
      while (!this.#stopping) {
        const batch = await this.#nextBatch(request);
        if (!batch) break;
        const delivered = await this.#deliverUntilDone(batch, request);
        if (!delivered) break;
        objects.push(...delivered);
      }
    } catch (error) {
      for (const waiter of request.waiters) waiter.reject(error as Error);
      throw error;
    }
    if (this.#stopping) for (const waiter of request.waiters) waiter.reject(new SluiceError('delivery_stopped'));
    else for (const waiter of request.waiters) waiter.resolve(objects);
  }

  /** The recorded batch if one is pending (identical boundaries), else a freshly cut one. */
  async #nextBatch(request: DrainRequest): Promise<Batch | undefined> {
    const { log, batches, destinationId, sourceId, batching } = this.#options;
    const cursor = log.cursor(this.#stream, this.#consumer) ?? log.startOffset(this.#stream);
    const recorded = await batches.recordedBatch(destinationId, sourceId);
    if (recorded) {
      if (cursor < recorded.endOffset) return recorded;
      // Crashed after the commit, before clearing the record: the batch is delivered already.
      await batches.clearBatch(destinationId, sourceId);
    }
    const next = await planNextBatch(log, this.#stream, cursor, request.endOffset, batching.maxBatchBytes);
    if (!next || (request.mode === 'full-batches' && !next.full)) return undefined;
    return next.plan;
  }

  /** Delivers one batch, retrying until it succeeds; undefined when stopped first. */
  async #deliverUntilDone(batch: Batch, request: DrainRequest): Promise<DeliveredObject[] | undefined> {
    const { log, batches, destination, destinationId, sourceId } = this.#options;
    let recorded = false;
    while (!this.#stopping) {
      let step: 'record' | 'deliver' | 'commit' = 'record';
      this.#delivering = true;
      try {
        if (!recorded) {
          await batches.recordBatch({ destinationId, sourceId, firstOffset: batch.firstOffset, endOffset: batch.endOffset });
          recorded = true;
          await this.#fault('after-record');
        }
        step = 'deliver';
        const objects = await destination.deliver(deliveryBatch(log, sourceId, batch.firstOffset, batch.endOffset), this.#abort.signal);
        await this.#fault('after-deliver');
        step = 'commit';
        await log.commitCursor(this.#stream, this.#consumer, batch.endOffset);
        await this.#fault('after-commit');
        await batches.clearBatch(destinationId, sourceId);
        this.#succeeded(objects);
        return objects;
      } catch (error) {
        if (error instanceof SimulatedCrash) throw error;
        if (this.#stopping) return undefined;
        await this.#failed(error, step, request);
      } finally {
        this.#delivering = false;
      }
    }
    return undefined;
  }

  #succeeded(objects: DeliveredObject[]): void {
    this.#consecutiveFailures = 0;
    this.#lastDelivery = {
      at: this.#now(),
      objects: objects.length,
      events: objects.reduce((sum, object) => sum + object.events, 0),
      bytes: objects.reduce((sum, object) => sum + object.bytes, 0),
      keys: objects.map((object) => object.key),
    };
    this.#options.logger?.info({ destinationId: this.#options.destinationId, sourceId: this.#options.sourceId, ...this.#lastDelivery }, 'delivered batch');
  }

  /** Records the error, fails the waiting flushes, and sleeps the backoff (a new flush cuts it short). */
  async #failed(error: unknown, step: 'record' | 'deliver' | 'commit', request: DrainRequest): Promise<void> {
    const { destination, backoff = defaultBackoffPolicy, random = Math.random, logger } = this.#options;
    this.#consecutiveFailures++;
    const retriable = step !== 'deliver' || destination.isRetriable(error);
    const message = step === 'deliver' ? destination.describeError(error) : `${step} failed: ${(error as Error)?.message ?? String(error)}`;
    this.#lastError = { message, at: this.#now(), consecutiveFailures: this.#consecutiveFailures, retriable };
    // A non-retriable error (bad credentials, a bucket policy) is retried at the cap rather than
    // dropped, so fixing the bucket resumes delivery without losing anything.
    const delay = retriable ? backoffDelayMs(backoff, this.#consecutiveFailures, random, Math.min(100, backoff.capMs)) : backoff.capMs;
    this.#nextAttemptAt = this.#now() + delay;
    logger?.warn({ destinationId: this.#options.destinationId, sourceId: this.#options.sourceId, step, retriable, delayMs: delay, err: error }, `delivery failed: ${message}`);
    for (const waiter of request.waiters) waiter.reject(new SluiceError('delivery_failed', `Delivery failed (will retry): ${message}`, { cause: error }));
    request.waiters = [];
    // Only a flush or a stop cuts the backoff short; other wake-ups (the size trigger) wait it out.
    while (!this.#stopping && this.#waiters.length === 0 && this.#now() < this.#nextAttemptAt) {
      await this.#wakeup.wait(this.#nextAttemptAt - this.#now());
    }
    this.#nextAttemptAt = undefined;
    if (this.#waiters.length > 0) {
      // A flush asked during the backoff joins this pass, which now runs to the end of the stream.
      request.waiters.push(...this.#waiters);
      this.#waiters = [];
      request.mode = 'everything';
      request.endOffset = Math.max(request.endOffset, this.#options.log.endOffset(this.#stream));
      if (this.#wanted === 'everything') this.#wanted = undefined;
    }
  }

  #want(mode: DrainMode): void {
    if (this.#stopping) return;
    if (this.#wanted !== 'everything') this.#wanted = mode;
    this.#wakeup.wake();
  }

  /** While a pass is wanted or running, the size trigger has nothing to add. */
  #checkSize(): void {
    if (!this.#stopping && this.#wanted === undefined) this.#sizeTrigger.check();
  }

  async #fault(point: FaultPoint): Promise<void> {
    await this.#options.faultHook?.(point, { destinationId: this.#options.destinationId, sourceId: this.#options.sourceId });
  }

  #release(): void {
    this.#running = false;
    this.#stopping = true;
    this.#timer.stop();
    this.#sizeTrigger.stop();
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    for (const waiter of this.#waiters) waiter.reject(new SluiceError('delivery_stopped'));
    this.#waiters = [];
  }
}
