/**
 * The metadata store's public face: domain objects and domain methods only. No Kysely, connection or
 * transaction type appears here (DESIGN A), so callers never depend on SQLite, and a PostgreSQL-backed
 * implementation is a new dialect, not a new API.
 */
import type { SourceDirectory } from '../tracking/source-directory.js';
import type { Role } from './schema.js';

export type { Role } from './schema.js';
export const roles: readonly Role[] = ['owner', 'read_only', 'source_collaborator'];

export interface Workspace {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly createdAt: string;
}

export interface User {
  readonly id: string;
  readonly email: string;
  readonly createdAt: string;
}

export interface Membership {
  readonly workspace: Workspace;
  readonly role: Role;
  /** For `source_collaborator`: the sources the member may see and change; empty otherwise. */
  readonly sourceIds: readonly string[];
}

export interface Source {
  readonly id: string;
  readonly workspaceId: string;
  readonly name: string;
  readonly writeKey: string;
  readonly enabled: boolean;
  readonly createdAt: string;
}

export interface MetadataStore {
  /** Write key → source, from memory; refreshed after every source change made through this store. */
  readonly sourceDirectory: SourceDirectory;

  /** True when no workspace exists yet (a fresh data directory: bootstrap needed). */
  isEmpty(): Promise<boolean>;

  createWorkspace(input: { slug: string; name: string }): Promise<Workspace>;
  findWorkspaceBySlug(slug: string): Promise<Workspace | undefined>;

  /** `passwordHash` is a bcrypt hash (see passwords.ts); the store never sees a clear password. */
  createUser(input: { email: string; passwordHash: string }): Promise<User>;
  findUser(id: string): Promise<User | undefined>;
  /** For login only: the user and the stored hash to compare against. */
  findCredentials(email: string): Promise<{ user: User; passwordHash: string } | undefined>;

  addMember(input: { workspaceId: string; userId: string; role: Role; sourceIds?: readonly string[] }): Promise<void>;
  membershipsOf(userId: string): Promise<Membership[]>;

  createSource(input: { workspaceId: string; name: string; enabled?: boolean }): Promise<Source>;
  findSource(id: string): Promise<Source | undefined>;
  listSources(workspaceId: string): Promise<Source[]>;
  /** Undefined when no such source. */
  updateSource(id: string, changes: { name?: string; enabled?: boolean }): Promise<Source | undefined>;
  /** False when no such source. */
  deleteSource(id: string): Promise<boolean>;
  /** Gives the source a new write key; the old one stops working at once. */
  rotateWriteKey(id: string): Promise<Source | undefined>;

  /** Runs `work` atomically: every change it makes through `store` commits together or not at all. */
  transaction<T>(work: (store: MetadataStore) => Promise<T>): Promise<T>;

  /** For `/readyz`: a trivial query succeeds. */
  isReachable(): Promise<boolean>;

  close(): Promise<void>;
}
