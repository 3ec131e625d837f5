/**
 * Workspace settings the admin API changes (name, the MFA requirement) and reads for authorization.
 * Creating a workspace stays `MetadataStore.createWorkspace`; `requireMfa` lives here so the
 * MetadataStore interface does not grow (migration 004 added the column).
 */
import type { Kysely } from 'kysely';
import type { ControlDatabase } from './database.js';
import type { Workspace } from './metadata-store.js';
import { workspaceAdminDb, type WorkspaceAdminDatabase } from './workspace-admin-tables.js';

export interface WorkspaceSettings extends Workspace {
  /** Every member must use a second factor: sessions without one are refused (`mfa_required`). */
  readonly requireMfa: boolean;
}

export interface WorkspaceAdminStore {
  findWorkspace(id: string): Promise<WorkspaceSettings | undefined>;
  /** Undefined when no such workspace. */
  updateWorkspace(id: string, changes: { name?: string; requireMfa?: boolean }): Promise<WorkspaceSettings | undefined>;
}

export class SqlWorkspaceAdminStore implements WorkspaceAdminStore {
  readonly #database: ControlDatabase;

  constructor(database: ControlDatabase) {
    this.#database = database;
  }

  /** Read per query: the caller's transaction when there is one (database.ts). */
  get #db(): Kysely<WorkspaceAdminDatabase> {
    return workspaceAdminDb(this.#database);
  }

  async findWorkspace(id: string): Promise<WorkspaceSettings | undefined> {
    const row = await this.#db.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst();
    return row && { id: row.id, slug: row.slug, name: row.name, createdAt: row.created_at, requireMfa: Boolean(row.require_mfa) };
  }

  async updateWorkspace(id: string, changes: { name?: string; requireMfa?: boolean }): Promise<WorkspaceSettings | undefined> {
    const values: { name?: string; require_mfa?: number } = {};
    if (changes.name !== undefined) values.name = changes.name;
    if (changes.requireMfa !== undefined) values.require_mfa = changes.requireMfa ? 1 : 0;
    if (Object.keys(values).length > 0) await this.#db.updateTable('workspaces').set(values).where('id', '=', id).execute();
    return this.findWorkspace(id);
  }
}
