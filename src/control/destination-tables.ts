/**
 * The delivery tables (migration 002) as Kysely sees them; merged into `Database` (schema.ts).
 * Only src/control imports this. Same portable conventions as schema.ts: text ids and ISO-8601 times,
 * integer flags; offsets are bigint columns (numbers below 2^53 in practice; PostgreSQL returns them as
 * strings, so readers convert with Number()).
 */

export interface DestinationTable {
  id: string;
  workspace_id: string;
  type: string;
  name: string;
  /** JSON text of the type's settings. */
  settings: string;
  enabled: number;
  created_at: string;
  updated_at: string;
}

export interface DestinationSourceTable {
  destination_id: string;
  source_id: string;
}

export interface DeliveryBatchTable {
  destination_id: string;
  source_id: string;
  first_offset: number | string;
  end_offset: number | string;
  recorded_at: string;
}

export interface DeliveryTables {
  destinations: DestinationTable;
  destination_sources: DestinationSourceTable;
  delivery_batches: DeliveryBatchTable;
}
