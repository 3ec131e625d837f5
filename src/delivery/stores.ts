/**
 * What delivery needs from the metadata store, as domain methods (no Kysely, no transactions leak):
 * the destinations with their connected sources, and the one recorded in-flight batch per
 * (destination, source). Implemented with Kysely in `src/control/destination-store.ts` and
 * `src/control/batch-store.ts`.
 */

export interface DestinationRecord {
  readonly id: string;
  readonly workspaceId: string;
  readonly type: string;
  readonly name: string;
  /** Type-specific settings as validated by the type's schema, secrets included (never return them over HTTP). */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly enabled: boolean;
  readonly sourceIds: readonly string[];
  /** ISO-8601 UTC, like every time in the metadata store. */
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A destination before the store gives it an id and times. */
export type NewDestination = Omit<DestinationRecord, 'id' | 'createdAt' | 'updatedAt'>;

export interface DestinationChanges {
  readonly name?: string;
  readonly settings?: Readonly<Record<string, unknown>>;
  readonly enabled?: boolean;
  readonly sourceIds?: readonly string[];
}

export interface DestinationStore {
  createDestination(destination: NewDestination): Promise<DestinationRecord>;
  getDestination(id: string): Promise<DestinationRecord | undefined>;
  /** Every destination of the workspace, or of every workspace when none is given; oldest first. */
  listDestinations(workspaceId?: string): Promise<DestinationRecord[]>;
  /** Undefined when no destination has that id. */
  updateDestination(id: string, changes: DestinationChanges): Promise<DestinationRecord | undefined>;
  /** Deletes the destination, its source connections and its recorded batches; false when absent. */
  deleteDestination(id: string): Promise<boolean>;
}

/** A batch whose boundaries were recorded before its upload and whose cursor is not yet committed. */
export interface RecordedBatch {
  readonly destinationId: string;
  readonly sourceId: string;
  readonly firstOffset: number;
  readonly endOffset: number;
  /** ISO-8601 UTC. */
  readonly recordedAt: string;
}

export interface BatchStore {
  /** Durably records the batch about to be delivered (one per destination and source; replaces any). */
  recordBatch(batch: Omit<RecordedBatch, 'recordedAt'>): Promise<void>;
  recordedBatch(destinationId: string, sourceId: string): Promise<RecordedBatch | undefined>;
  recordedBatches(destinationId: string): Promise<RecordedBatch[]>;
  clearBatch(destinationId: string, sourceId: string): Promise<void>;
}
