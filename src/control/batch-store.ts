/**
 * `BatchStore` (src/delivery/stores.ts) over Kysely: the one in-flight batch per (destination, source),
 * recorded before its upload and cleared after its cursor commit. This record is what makes a post-crash
 * redo write identical objects, so it must be durable before the upload starts: an awaited write here is a
 * committed transaction, and the connection runs with synchronous=FULL, which syncs the WAL on every
 * commit (set explicitly in database.ts: better-sqlite3's build would not sync WAL commits at all).
 */
import type { Kysely } from 'kysely';
import type { BatchStore, RecordedBatch } from '../delivery/stores.js';
import type { ControlDatabase } from './database.js';
import type { DeliveryBatchTable } from './destination-tables.js';
import type { Database } from './schema.js';

export class SqlBatchStore implements BatchStore {
  readonly #database: ControlDatabase;

  constructor(database: ControlDatabase) {
    this.#database = database;
  }

  /** Read per query: the caller's transaction when there is one (database.ts). */
  get #db(): Kysely<Database> {
    return this.#database.db;
  }

  /**
   * Upsert: a destination re-recording for the same source replaces the old record (it can only do so
   * after clearing it, but a replace keeps the invariant "one per pair" without a read first).
   */
  async recordBatch(batch: Omit<RecordedBatch, 'recordedAt'>): Promise<void> {
    const row = {
      destination_id: batch.destinationId,
      source_id: batch.sourceId,
      first_offset: batch.firstOffset,
      end_offset: batch.endOffset,
      recorded_at: new Date().toISOString(),
    };
    await this.#db
      .insertInto('delivery_batches')
      .values(row)
      .onConflict((conflict) =>
        conflict.columns(['destination_id', 'source_id']).doUpdateSet({ first_offset: row.first_offset, end_offset: row.end_offset, recorded_at: row.recorded_at }),
      )
      .execute();
  }

  async recordedBatch(destinationId: string, sourceId: string): Promise<RecordedBatch | undefined> {
    const row = await this.#db
      .selectFrom('delivery_batches')
      .selectAll()
      .where('destination_id', '=', destinationId)
      .where('source_id', '=', sourceId)
      .executeTakeFirst();
    return row ? toRecorded(row) : undefined;
  }

  async recordedBatches(destinationId: string): Promise<RecordedBatch[]> {
    const rows = await this.#db.selectFrom('delivery_batches').selectAll().where('destination_id', '=', destinationId).orderBy('source_id').execute();
    return rows.map(toRecorded);
  }

  async clearBatch(destinationId: string, sourceId: string): Promise<void> {
    await this.#db.deleteFrom('delivery_batches').where('destination_id', '=', destinationId).where('source_id', '=', sourceId).execute();
  }
}

function toRecorded(row: DeliveryBatchTable): RecordedBatch {
  return {
    destinationId: row.destination_id,
    sourceId: row.source_id,
    firstOffset: Number(row.first_offset),
    endOffset: Number(row.end_offset),
    recordedAt: row.recorded_at,
  };
}
