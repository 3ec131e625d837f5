/**
 * The identity tables (migration 003) as Kysely sees them; merged into `Database` (schema.ts). Only
 * src/control imports this. Portable conventions of schema.ts: text ids, ISO-8601 times, integer flags.
 */
import type { ColumnType } from 'kysely';
import type { Database, Role, SessionTable } from './schema.js';

export interface UserTotpTable {
  user_id: string;
  sealed_secret: string;
  enabled: number;
  last_used_step: number;
  created_at: string;
}

export interface ApiTokenTable {
  id: string;
  user_id: string;
  workspace_id: string;
  name: string;
  role: Role;
  /** 'personal' (created by a member for themselves) or 'workspace' (created by an owner for automation). */
  scope: 'personal' | 'workspace';
  /** SHA-256 (hex) of the token; the token itself is never stored. */
  token_hash: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}

export interface IdentityTables {
  user_totp: UserTotpTable;
  api_tokens: ApiTokenTable;
}

/**
 * `sessions` with the column migration 003 adds. Kept out of schema.ts's SessionTable so the
 * MetadataStore, which never sets it, keeps compiling against the column's default (0).
 */
export interface IdentitySessionTable extends SessionTable {
  mfa_verified: ColumnType<number, number | undefined, number>;
}

/** The database as the identity store sees it. */
export type IdentityDatabase = Omit<Database, 'sessions'> & { sessions: IdentitySessionTable };
