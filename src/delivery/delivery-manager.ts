/**
 * Runs delivery for every enabled destination × connected source: one DeliveryRunner per pair, built
 * from the destination's type. Reacts to destination changes (create, update, enable, disable, delete),
 * answers flush and status for the admin API, and stops everything cleanly on shutdown.
 *
 * Never drops a cursor that still guards undelivered data, except when the pair itself goes away
 * (destination deleted or source disconnected): then the consumer is removed so retention is not held
 * back. All reactions run one at a time, so concurrent admin calls cannot interleave a restart.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SluiceError } from '../errors/index.js';
import type { EventLog } from '../log/event-log.js';
import type { BackoffPolicy } from './backoff.js';
import type { DeliveredObject } from './destination.js';
import type { BuiltDestination, DestinationTypes } from './destination-types.js';
import type { FaultHook } from './fault-hooks.js';
import { DeliveryRunner, type DeliveryLogger } from './runner.js';
import { computeDestinationStatus, type DestinationStatus, type ErrorSummary, type RunnerSnapshot } from './status.js';
import type { BatchStore, DestinationRecord, DestinationStore } from './stores.js';

export interface DeliveryManagerOptions {
  readonly log: EventLog;
  readonly destinations: DestinationStore;
  readonly batches: BatchStore;
  readonly types: DestinationTypes;
  readonly nodeId: string;
  /** Parent of each destination's spool directory (`<dataDir>/spool`). */
  readonly spoolDirectory: string;
  readonly logger?: DeliveryLogger | undefined;
  readonly faultHook?: FaultHook | undefined;
  readonly backoff?: BackoffPolicy | undefined;
  /** How often to re-read the store for changes made elsewhere (a deleted source). Default 30 s. */
  readonly reconcileIntervalMs?: number | undefined;
}

interface Running {
  readonly record: DestinationRecord;
  readonly built: BuiltDestination;
  readonly runners: Map<string, DeliveryRunner>;
}

// A runner whose loop died unexpectedly (not a delivery failure: those retry inside) restarts after this.
const runnerRestartDelayMs = 1_000;
const defaultReconcileIntervalMs = 30_000;

export class DeliveryManager {
  readonly #options: DeliveryManagerOptions;
  readonly #running = new Map<string, Running>();
  #queue: Promise<unknown> = Promise.resolve();
  #stopped = false;
  #reconciler: NodeJS.Timeout | undefined;
  /** Why a destination could not be built (shown in its status until it starts). */
  readonly #startErrors = new Map<string, ErrorSummary>();

  constructor(options: DeliveryManagerOptions) {
    this.#options = options;
  }

  /** Starts runners for every enabled destination in the store, and the periodic reconcile. */
  start(): Promise<void> {
    return this.#serialized(async () => {
      for (const record of await this.#options.destinations.listDestinations()) await this.#apply(record);
      const interval = this.#options.reconcileIntervalMs ?? defaultReconcileIntervalMs;
      this.#reconciler = setInterval(() => {
        this.reconcile().catch((error: unknown) => this.#options.logger?.warn({ err: error }, 'reconciling destinations failed'));
      }, interval);
      this.#reconciler.unref();
    });
  }

  /** Stops every runner (uploads in progress are abandoned; their recorded batches are redone next start). */
  stop(): Promise<void> {
    return this.#serialized(async () => {
      this.#stopped = true;
      clearInterval(this.#reconciler);
      await Promise.all([...this.#running.keys()].map((id) => this.#stopDestination(id)));
    });
  }

  /** Call after a destination was created or changed in the store: (re)starts or stops its runners. */
  destinationChanged(id: string, previousSourceIds: readonly string[] = []): Promise<void> {
    return this.#serialized(async () => {
      const record = await this.#options.destinations.getDestination(id);
      const running = this.#running.get(id);
      if (record && running && sameDelivery(running.record, record)) {
        // Only the name (or nothing) changed: keep the runners and any upload in progress.
        this.#running.set(id, { ...running, record });
        return;
      }
      const current = new Set(record?.sourceIds ?? []);
      const dropped = new Set([...previousSourceIds, ...(this.#running.get(id)?.record.sourceIds ?? [])].filter((sourceId) => !current.has(sourceId)));
      await this.#stopDestination(id);
      for (const sourceId of dropped) await this.#forget(id, sourceId);
      if (record) await this.#apply(record);
    });
  }

  /** Call after a destination was deleted from the store, with the sources it was connected to. */
  destinationDeleted(id: string, sourceIds: readonly string[]): Promise<void> {
    return this.#serialized(async () => {
      const known = new Set([...sourceIds, ...(this.#running.get(id)?.record.sourceIds ?? [])]);
      await this.#stopDestination(id);
      for (const sourceId of known) await this.#forget(id, sourceId);
      await rm(join(this.#options.spoolDirectory, id), { recursive: true, force: true });
      this.#startErrors.delete(id);
    });
  }

  /**
   * Re-reads every destination and converges: catches changes made behind the manager's back, such as
   * a deleted source (its connections go with it). Runs every `reconcileIntervalMs` while started.
   */
  reconcile(): Promise<void> {
    return this.#serialized(async () => {
      if (this.#stopped) return;
      const records = await this.#options.destinations.listDestinations();
      const byId = new Map(records.map((record) => [record.id, record]));
      for (const [id, running] of [...this.#running]) {
        const current = new Set(byId.get(id)?.sourceIds ?? []);
        const dropped = running.record.sourceIds.filter((sourceId) => !current.has(sourceId));
        if (dropped.length === 0 && byId.has(id)) continue;
        await this.#stopDestination(id);
        for (const sourceId of dropped) await this.#forget(id, sourceId);
      }
      for (const record of records) {
        const running = this.#running.get(record.id);
        if (running && running.record.updatedAt === record.updatedAt && sameSources(running.record, record)) continue;
        await this.#stopDestination(record.id);
        await this.#apply(record);
      }
    });
  }

  /** Delivers everything pending for the destination's sources; the objects written. */
  async flush(id: string): Promise<DeliveredObject[]> {
    await this.#queue.catch(() => {});
    const running = this.#running.get(id);
    if (!running) {
      const record = await this.#options.destinations.getDestination(id);
      if (!record) throw new SluiceError('not_found', 'No destination has that id.');
      if (!record.enabled) throw new SluiceError('destination_disabled');
      if (record.sourceIds.length === 0) return [];
      const startError = this.#startErrors.get(id);
      throw new SluiceError('delivery_stopped', startError?.message);
    }
    const results = await Promise.all([...running.runners.values()].map((runner) => runner.flush()));
    return results.flat();
  }

  async status(id: string): Promise<DestinationStatus | undefined> {
    const record = this.#running.get(id)?.record ?? (await this.#options.destinations.getDestination(id));
    if (!record) return undefined;
    const { log, batches } = this.#options;
    const runners = this.#running.get(id)?.runners;
    const recorded = new Map((await batches.recordedBatches(id)).map((batch) => [batch.sourceId, batch]));
    const inputs = await Promise.all(
      record.sourceIds.map(async (sourceId) => {
        const cursor = log.cursor(sourceId, id) ?? log.startOffset(sourceId);
        return {
          snapshot: runners?.get(sourceId)?.snapshot() ?? idleSnapshot(sourceId),
          pending: await log.backlog(sourceId, cursor),
          inFlightBatch: recorded.get(sourceId),
        };
      }),
    );
    const status = computeDestinationStatus(id, record.enabled, inputs);
    const startError = this.#startErrors.get(id);
    return startError && !runners ? { ...status, lastError: { ...startError, at: new Date(startError.at).toISOString() } } : status;
  }

  async #apply(record: DestinationRecord): Promise<void> {
    if (this.#stopped) return;
    const { log, types, nodeId, logger } = this.#options;
    // Every connected pair holds a cursor from the start, whether or not it can run now (disabled, or
    // its type fails to build): retention must keep its data until it is delivered or the pair is gone.
    for (const sourceId of record.sourceIds) {
      if (log.cursor(sourceId, record.id) === undefined) await log.commitCursor(sourceId, record.id, log.startOffset(sourceId));
    }
    if (!record.enabled || record.sourceIds.length === 0) return;
    const spoolDirectory = join(this.#options.spoolDirectory, record.id);
    await mkdir(spoolDirectory, { recursive: true });
    let built: BuiltDestination;
    try {
      built = await types.create(record.type, record.settings, { nodeId, spoolDirectory, logger });
    } catch (error) {
      // Settings were valid when stored; a type that cannot build now (removed, changed rules) must not
      // stop the others. Its data waits in the log behind its cursors.
      logger?.error({ destinationId: record.id, type: record.type, err: error }, 'cannot start destination');
      const previous = this.#startErrors.get(record.id);
      this.#startErrors.set(record.id, {
        message: `Cannot start this destination: ${(error as Error)?.message ?? String(error)}`,
        at: Date.now(),
        consecutiveFailures: (previous?.consecutiveFailures ?? 0) + 1,
        retriable: false,
      });
      return;
    }
    this.#startErrors.delete(record.id);
    const running: Running = { record, built, runners: new Map() };
    this.#running.set(record.id, running);
    for (const sourceId of record.sourceIds) this.#startRunner(running, sourceId);
  }

  #startRunner(running: Running, sourceId: string): void {
    const { log, batches, logger, faultHook, backoff } = this.#options;
    const runner = new DeliveryRunner({
      destinationId: running.record.id,
      sourceId,
      log,
      destination: running.built.destination,
      batches,
      batching: running.built.batching,
      backoff,
      faultHook,
      logger,
    });
    running.runners.set(sourceId, runner);
    runner.start().catch((error: unknown) => {
      if (this.#stopped || running.runners.get(sourceId) !== runner || this.#running.get(running.record.id) !== running) return;
      logger?.error({ destinationId: running.record.id, sourceId, err: error }, 'delivery runner stopped unexpectedly; restarting');
      setTimeout(() => {
        if (!this.#stopped && running.runners.get(sourceId) === runner && this.#running.get(running.record.id) === running) this.#startRunner(running, sourceId);
      }, runnerRestartDelayMs).unref();
    });
  }

  async #stopDestination(id: string): Promise<void> {
    const running = this.#running.get(id);
    if (!running) return;
    this.#running.delete(id);
    await Promise.all([...running.runners.values()].map((runner) => runner.stop()));
    await running.built.close?.().catch((error: unknown) => this.#options.logger?.warn({ destinationId: id, err: error }, 'closing destination failed'));
  }

  /** The pair is gone: release its cursor (so retention moves on) and its recorded batch. */
  async #forget(destinationId: string, sourceId: string): Promise<void> {
    await this.#options.log.removeConsumer(sourceId, destinationId);
    await this.#options.batches.clearBatch(destinationId, sourceId);
  }

  #serialized<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#queue.catch(() => {}).then(work);
    this.#queue = result;
    return result;
  }
}

function idleSnapshot(sourceId: string): RunnerSnapshot {
  return { sourceId, running: false, delivering: false, lastDelivery: undefined, lastError: undefined, nextAttemptAt: undefined, nextFlushAt: undefined };
}

function sameSources(a: DestinationRecord, b: DestinationRecord): boolean {
  return a.sourceIds.length === b.sourceIds.length && a.sourceIds.every((sourceId, index) => b.sourceIds[index] === sourceId);
}

/** True when nothing that delivery depends on differs (type, settings, enabled, sources). */
function sameDelivery(a: DestinationRecord, b: DestinationRecord): boolean {
  return a.type === b.type && a.enabled === b.enabled && sameSources(a, b) && JSON.stringify(a.settings) === JSON.stringify(b.settings);
}
