/**
 * `DestinationStore` (src/delivery/stores.ts) over Kysely: destinations and the sources each one is
 * connected to. The one place SQL for those tables is written; callers get domain records only.
 * Settings are kept as JSON text; the type's secret settings are sealed (AES-256-GCM envelopes) when a
 * SecretBox is bound to the database (src/secrets, done by startServer) and opened again on read.
 * Masking them in responses stays the admin API's job.
 */
import type { Kysely, Selectable } from 'kysely';
import type { DestinationChanges, DestinationRecord, DestinationStore, NewDestination } from '../delivery/stores.js';
import { openSettings, sealSettings, secretBoxOf } from '../secrets/destination-secrets.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { ControlDatabase } from './database.js';
import type { DestinationTable } from './destination-tables.js';
import { newId } from './ids.js';
import type { Database } from './schema.js';

export class SqlDestinationStore implements DestinationStore {
  readonly #database: ControlDatabase;
  readonly #secrets: SecretBox | undefined;

  constructor(database: ControlDatabase) {
    this.#database = database;
    this.#secrets = secretBoxOf(database);
  }

  /** Read per query: the caller's transaction when there is one (database.ts). */
  get #db(): Kysely<Database> {
    return this.#database.db;
  }

  async createDestination(input: NewDestination): Promise<DestinationRecord> {
    const now = new Date().toISOString();
    const row = {
      id: newId(),
      workspace_id: input.workspaceId,
      type: input.type,
      name: input.name,
      settings: JSON.stringify(sealSettings(this.#secrets, input.type, input.settings)),
      enabled: input.enabled ? 1 : 0,
      created_at: now,
      updated_at: now,
    };
    const sourceIds = unique(input.sourceIds);
    await this.#database.atomically(async () => {
      const trx = this.#db;
      await trx.insertInto('destinations').values(row).execute();
      if (sourceIds.length > 0) {
        await trx.insertInto('destination_sources').values(sourceIds.map((sourceId) => ({ destination_id: row.id, source_id: sourceId }))).execute();
      }
    });
    // The caller's own (plain) settings, copied: nothing to decrypt.
    return toRecord(row, sourceIds, JSON.parse(JSON.stringify(input.settings)) as Record<string, unknown>);
  }

  async getDestination(id: string): Promise<DestinationRecord | undefined> {
    const row = await this.#db.selectFrom('destinations').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    return toRecord(row, await this.#sourceIdsOf([id]).then((map) => map.get(id) ?? []), this.#settingsOf(row));
  }

  async listDestinations(workspaceId?: string): Promise<DestinationRecord[]> {
    let query = this.#db.selectFrom('destinations').selectAll().orderBy('created_at').orderBy('id');
    if (workspaceId !== undefined) query = query.where('workspace_id', '=', workspaceId);
    const rows = await query.execute();
    const sources = await this.#sourceIdsOf(rows.map((row) => row.id));
    return rows.map((row) => toRecord(row, sources.get(row.id) ?? [], this.#settingsOf(row)));
  }

  async updateDestination(id: string, changes: DestinationChanges): Promise<DestinationRecord | undefined> {
    const found = await this.#database.atomically(async () => {
      const trx = this.#db;
      const update: Partial<DestinationTable> = { updated_at: new Date().toISOString() };
      if (changes.name !== undefined) update.name = changes.name;
      if (changes.settings !== undefined) {
        const current = await trx.selectFrom('destinations').select('type').where('id', '=', id).executeTakeFirst();
        update.settings = JSON.stringify(sealSettings(this.#secrets, current?.type ?? '', changes.settings));
      }
      if (changes.enabled !== undefined) update.enabled = changes.enabled ? 1 : 0;
      const result = await trx.updateTable('destinations').set(update).where('id', '=', id).executeTakeFirst();
      if (result.numUpdatedRows === 0n) return false;
      if (changes.sourceIds !== undefined) {
        await trx.deleteFrom('destination_sources').where('destination_id', '=', id).execute();
        const sourceIds = unique(changes.sourceIds);
        if (sourceIds.length > 0) {
          await trx.insertInto('destination_sources').values(sourceIds.map((sourceId) => ({ destination_id: id, source_id: sourceId }))).execute();
        }
      }
      return true;
    });
    return found ? this.getDestination(id) : undefined;
  }

  async deleteDestination(id: string): Promise<boolean> {
    return this.#database.atomically(async () => {
      const trx = this.#db;
      // Explicit deletes rather than relying on ON DELETE CASCADE, which SQLite enforces only when the
      // connection turned foreign keys on.
      await trx.deleteFrom('delivery_batches').where('destination_id', '=', id).execute();
      await trx.deleteFrom('destination_sources').where('destination_id', '=', id).execute();
      const result = await trx.deleteFrom('destinations').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    });
  }

  /** The stored settings with the type's secret fields decrypted. */
  #settingsOf(row: Selectable<DestinationTable>): Record<string, unknown> {
    return openSettings(this.#secrets, row.type, JSON.parse(row.settings) as Record<string, unknown>);
  }

  async #sourceIdsOf(destinationIds: string[]): Promise<Map<string, string[]>> {
    const map = new Map<string, string[]>();
    if (destinationIds.length === 0) return map;
    const rows = await this.#db
      .selectFrom('destination_sources')
      .select(['destination_id', 'source_id'])
      .where('destination_id', 'in', destinationIds)
      .orderBy('source_id')
      .execute();
    for (const row of rows) map.set(row.destination_id, [...(map.get(row.destination_id) ?? []), row.source_id]);
    return map;
  }
}

function toRecord(row: Selectable<DestinationTable>, sourceIds: readonly string[], settings: Record<string, unknown>): DestinationRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    type: row.type,
    name: row.name,
    settings,
    enabled: Boolean(row.enabled),
    sourceIds: [...sourceIds].sort(),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const unique = (values: readonly string[]): string[] => [...new Set(values)];
