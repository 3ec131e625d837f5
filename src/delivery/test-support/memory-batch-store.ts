/**
 * An in-memory BatchStore for runner tests whose subject is the runner, not the store. It survives a
 * simulated crash the way the real store does: the test keeps the object and hands it to the restarted
 * runner. The Kysely store is tested on its own (src/control/batch-store.test.ts).
 */
import type { BatchStore, RecordedBatch } from '../stores.js';

export class MemoryBatchStore implements BatchStore {
  readonly #batches = new Map<string, RecordedBatch>();
  /** Every batch ever recorded, in order, for assertions on boundaries. */
  readonly history: RecordedBatch[] = [];

  async recordBatch(batch: Omit<RecordedBatch, 'recordedAt'>): Promise<void> {
    const recorded = { ...batch, recordedAt: new Date().toISOString() };
    this.#batches.set(`${batch.destinationId}\u0000${batch.sourceId}`, recorded);
    this.history.push(recorded);
  }

  async recordedBatch(destinationId: string, sourceId: string): Promise<RecordedBatch | undefined> {
    return this.#batches.get(`${destinationId}\u0000${sourceId}`);
  }

  async recordedBatches(destinationId: string): Promise<RecordedBatch[]> {
    return [...this.#batches.values()].filter((batch) => batch.destinationId === destinationId);
  }

  async clearBatch(destinationId: string, sourceId: string): Promise<void> {
    this.#batches.delete(`${destinationId}\u0000${sourceId}`);
  }
}
