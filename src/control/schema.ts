/**
 * The metadata database as Kysely sees it: one interface per table. Only modules inside src/control
 * import this; everything outside talks to the `MetadataStore` facade (DESIGN A: no leaked transport).
 * Shared file: other control-plane modules add their tables here, additively.
 *
 * Portable column types on purpose, so a PostgreSQL dialect needs no change here: ids and times are
 * text (times as ISO-8601 UTC, which sort as strings), flags are integers 0/1.
 */
import type { DeliveryTables } from './destination-tables.js';
import type { IdentityTables } from './identity-store-tables.js';

export interface WorkspaceTable {
  id: string;
  slug: string;
  name: string;
  created_at: string;
}

export interface UserTable {
  id: string;
  email: string;
  password_hash: string;
  created_at: string;
}

export type Role = 'owner' | 'read_only' | 'source_collaborator';

export interface MembershipTable {
  workspace_id: string;
  user_id: string;
  role: Role;
}

/** The sources a `source_collaborator` may see and change. */
export interface MembershipSourceTable {
  workspace_id: string;
  user_id: string;
  source_id: string;
}

export interface SourceTable {
  id: string;
  workspace_id: string;
  name: string;
  write_key: string;
  enabled: number;
  created_at: string;
}

export interface SessionTable {
  id: string;
  user_id: string;
  /** SHA-256 of the bearer token; the token itself is never stored. */
  token_hash: string;
  created_at: string;
  expires_at: string;
}

export interface Database extends DeliveryTables, IdentityTables {
  workspaces: WorkspaceTable;
  users: UserTable;
  memberships: MembershipTable;
  membership_sources: MembershipSourceTable;
  sources: SourceTable;
  sessions: SessionTable;
}
