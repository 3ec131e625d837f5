// Owned by the authorization/resources work: the workspace MFA requirement and the append-only audit log.
// Portable DDL only (SQLite and PostgreSQL), like 001: text ids, ISO-8601 times, integer flags, JSON as text.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('workspaces')
    .addColumn('require_mfa', 'integer', (column) => column.notNull().defaultTo(0))
    .execute();

  // Append-only: nothing in Sluice updates or deletes a row. Ids sort in append order (see
  // audit-store.ts), so no database sequence (not portable DDL) is needed.
  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'text', (column) => column.primaryKey())
    // Null for changes outside any workspace (e.g. a backup made by the system).
    .addColumn('workspace_id', 'text')
    .addColumn('at', 'text', (column) => column.notNull())
    .addColumn('actor_kind', 'text', (column) => column.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('actor_email', 'text')
    // The API token that made the change (the user is actor_id), so a leaked token's work can be found.
    .addColumn('actor_token_id', 'text')
    .addColumn('action', 'text', (column) => column.notNull())
    .addColumn('resource_type', 'text', (column) => column.notNull())
    .addColumn('resource_id', 'text', (column) => column.notNull())
    .addColumn('before_json', 'text')
    .addColumn('after_json', 'text')
    .addColumn('ip', 'text')
    .execute();
  await db.schema.createIndex('audit_log_workspace_id').on('audit_log').columns(['workspace_id', 'id']).execute();
  await db.schema.createIndex('audit_log_resource').on('audit_log').columns(['resource_type', 'resource_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('audit_log').execute();
  await db.schema.alterTable('workspaces').dropColumn('require_mfa').execute();
}
