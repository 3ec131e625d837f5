// Owned by the delivery work: destinations, their connected sources, recorded in-flight batches.
// Portable DDL only (SQLite and PostgreSQL), like 001: text ids, ISO-8601 times, integer flags.
// Log offsets are bigint: the file log's offsets are byte positions and outgrow 32 bits.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('destinations')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('workspace_id', 'text', (column) => column.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('type', 'text', (column) => column.notNull())
    .addColumn('name', 'text', (column) => column.notNull())
    // The type's settings as JSON text (secrets included; the admin API never returns them).
    .addColumn('settings', 'text', (column) => column.notNull())
    .addColumn('enabled', 'integer', (column) => column.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('destinations_workspace').on('destinations').column('workspace_id').execute();

  await db.schema
    .createTable('destination_sources')
    .addColumn('destination_id', 'text', (column) => column.notNull().references('destinations.id').onDelete('cascade'))
    .addColumn('source_id', 'text', (column) => column.notNull().references('sources.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('destination_sources_pk', ['destination_id', 'source_id'])
    .execute();
  await db.schema.createIndex('destination_sources_source').on('destination_sources').column('source_id').execute();

  // At most one batch in flight per (destination, source): recorded before upload, cleared after the
  // cursor commit. No foreign key to sources: a recorded batch must outlive nothing but its destination.
  await db.schema
    .createTable('delivery_batches')
    .addColumn('destination_id', 'text', (column) => column.notNull().references('destinations.id').onDelete('cascade'))
    .addColumn('source_id', 'text', (column) => column.notNull())
    .addColumn('first_offset', 'bigint', (column) => column.notNull())
    .addColumn('end_offset', 'bigint', (column) => column.notNull())
    .addColumn('recorded_at', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('delivery_batches_pk', ['destination_id', 'source_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['delivery_batches', 'destination_sources', 'destinations']) {
    await db.schema.dropTable(table).execute();
  }
}
