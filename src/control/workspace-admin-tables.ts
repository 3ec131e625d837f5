/**
 * The tables (and the column) migration 004 adds, as Kysely sees them, merged onto `Database` for the
 * workspace-admin stores only. Kept apart from schema.ts so the shared schema file needs no edit: the
 * MetadataStore never reads `require_mfa` or the audit log.
 */
import type { Kysely } from 'kysely';
import type { ControlDatabase } from './database.js';
import type { Database, WorkspaceTable } from './schema.js';

export interface AuditLogTable {
  id: string;
  workspace_id: string | null;
  at: string;
  actor_kind: string;
  actor_id: string | null;
  actor_email: string | null;
  actor_token_id: string | null;
  action: string;
  resource_type: string;
  resource_id: string;
  before_json: string | null;
  after_json: string | null;
  ip: string | null;
}

export type WorkspaceAdminDatabase = Omit<Database, 'workspaces'> & {
  workspaces: WorkspaceTable & { require_mfa: number };
  audit_log: AuditLogTable;
};

/** The shared connection, typed with migration 004's additions. */
export const workspaceAdminDb = (database: ControlDatabase): Kysely<WorkspaceAdminDatabase> =>
  database.db as unknown as Kysely<WorkspaceAdminDatabase>;
