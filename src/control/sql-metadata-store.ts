/**
 * `MetadataStore` over Kysely: the one place SQL for workspaces, users, memberships, sources and
 * sessions is written. Works on any Kysely dialect (see database.ts). Inside `transaction()` (or any
 * `ControlDatabase.atomically`, e.g. a change and its audit entry) every query joins the caller's
 * transaction; the write-key cache is reloaded only after the commit, so the Tracking API never sees a
 * source that was rolled back.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { ControlDatabase } from './database.js';
import { newId, newWriteKey } from './ids.js';
import type { Membership, MetadataStore, Source, User, Workspace } from './metadata-store.js';
import type { Database, Role, SourceTable, UserTable, WorkspaceTable } from './schema.js';
import { WriteKeyCache } from './write-key-cache.js';

const toWorkspace = (row: Selectable<WorkspaceTable>): Workspace => ({ id: row.id, slug: row.slug, name: row.name, createdAt: row.created_at });
const toUser = (row: Pick<UserTable, 'id' | 'email' | 'created_at'>): User => ({ id: row.id, email: row.email, createdAt: row.created_at });
const toSource = (row: Selectable<SourceTable>): Source => ({
  id: row.id,
  workspaceId: row.workspace_id,
  name: row.name,
  writeKey: row.write_key,
  enabled: Boolean(row.enabled),
  createdAt: row.created_at,
});

/** Emails are matched case-insensitively (stored lower-cased): `Admin@X` and `admin@x` are one user. */
const normalizeEmail = (email: string): string => email.trim().toLowerCase();

export class SqlMetadataStore implements MetadataStore {
  readonly #database: ControlDatabase;
  readonly #cache = new WriteKeyCache();

  private constructor(database: ControlDatabase) {
    this.#database = database;
  }

  /** Builds the store on an open database and fills the write-key cache. */
  static async open(database: ControlDatabase): Promise<SqlMetadataStore> {
    const store = new SqlMetadataStore(database);
    await store.#reloadCache();
    return store;
  }

  /** Read per query: the caller's transaction when there is one (database.ts). */
  get #db(): Kysely<Database> {
    return this.#database.db;
  }

  get sourceDirectory(): WriteKeyCache {
    return this.#cache;
  }

  async isEmpty(): Promise<boolean> {
    const row = await this.#db.selectFrom('workspaces').select('id').limit(1).executeTakeFirst();
    return row === undefined;
  }

  async createWorkspace(input: { slug: string; name: string }): Promise<Workspace> {
    const row = { id: newId(), slug: input.slug, name: input.name, created_at: new Date().toISOString() };
    await this.#db.insertInto('workspaces').values(row).execute();
    return toWorkspace(row);
  }

  async findWorkspaceBySlug(slug: string): Promise<Workspace | undefined> {
    const row = await this.#db.selectFrom('workspaces').selectAll().where('slug', '=', slug).executeTakeFirst();
    return row && toWorkspace(row);
  }

  async createUser(input: { email: string; passwordHash: string }): Promise<User> {
    const row = { id: newId(), email: normalizeEmail(input.email), password_hash: input.passwordHash, created_at: new Date().toISOString() };
    await this.#db.insertInto('users').values(row).execute();
    return toUser(row);
  }

  async findUser(id: string): Promise<User | undefined> {
    const row = await this.#db.selectFrom('users').select(['id', 'email', 'created_at']).where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  async findCredentials(email: string): Promise<{ user: User; passwordHash: string } | undefined> {
    const row = await this.#db.selectFrom('users').selectAll().where('email', '=', normalizeEmail(email)).executeTakeFirst();
    return row && { user: toUser(row), passwordHash: row.password_hash };
  }

  async addMember(input: { workspaceId: string; userId: string; role: Role; sourceIds?: readonly string[] }): Promise<void> {
    await this.#database.atomically(async () => {
      const db = this.#db;
      await db.insertInto('memberships').values({ workspace_id: input.workspaceId, user_id: input.userId, role: input.role }).execute();
      for (const sourceId of input.sourceIds ?? []) {
        await db.insertInto('membership_sources').values({ workspace_id: input.workspaceId, user_id: input.userId, source_id: sourceId }).execute();
      }
    });
  }

  async membershipsOf(userId: string): Promise<Membership[]> {
    const rows = await this.#db
      .selectFrom('memberships')
      .innerJoin('workspaces', 'workspaces.id', 'memberships.workspace_id')
      .select(['workspaces.id', 'workspaces.slug', 'workspaces.name', 'workspaces.created_at', 'memberships.role'])
      .where('memberships.user_id', '=', userId)
      .orderBy('workspaces.slug')
      .execute();
    const grants = await this.#db.selectFrom('membership_sources').select(['workspace_id', 'source_id']).where('user_id', '=', userId).execute();
    return rows.map((row) => ({
      workspace: toWorkspace(row),
      role: row.role,
      sourceIds: grants.filter((grant) => grant.workspace_id === row.id).map((grant) => grant.source_id),
    }));
  }

  async createSource(input: { workspaceId: string; name: string; enabled?: boolean }): Promise<Source> {
    const row = {
      id: newId(),
      workspace_id: input.workspaceId,
      name: input.name,
      write_key: newWriteKey(),
      enabled: input.enabled === false ? 0 : 1,
      created_at: new Date().toISOString(),
    };
    await this.#db.insertInto('sources').values(row).execute();
    await this.#sourcesChanged();
    return toSource(row);
  }

  async findSource(id: string): Promise<Source | undefined> {
    const row = await this.#db.selectFrom('sources').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toSource(row);
  }

  async listSources(workspaceId: string): Promise<Source[]> {
    const rows = await this.#db.selectFrom('sources').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at').orderBy('id').execute();
    return rows.map(toSource);
  }

  async updateSource(id: string, changes: { name?: string; enabled?: boolean }): Promise<Source | undefined> {
    const values: { name?: string; enabled?: number } = {};
    if (changes.name !== undefined) values.name = changes.name;
    if (changes.enabled !== undefined) values.enabled = changes.enabled ? 1 : 0;
    if (Object.keys(values).length > 0) {
      const result = await this.#db.updateTable('sources').set(values).where('id', '=', id).executeTakeFirst();
      if (result.numUpdatedRows > 0n) await this.#sourcesChanged();
    }
    return this.findSource(id);
  }

  async deleteSource(id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('sources').where('id', '=', id).executeTakeFirst();
    if (result.numDeletedRows === 0n) return false;
    await this.#sourcesChanged();
    return true;
  }

  async rotateWriteKey(id: string): Promise<Source | undefined> {
    const result = await this.#db.updateTable('sources').set({ write_key: newWriteKey() }).where('id', '=', id).executeTakeFirst();
    if (result.numUpdatedRows === 0n) return undefined;
    await this.#sourcesChanged();
    return this.findSource(id);
  }

  transaction<T>(work: (store: MetadataStore) => Promise<T>): Promise<T> {
    return this.#database.atomically(() => work(this));
  }

  async isReachable(): Promise<boolean> {
    try {
      await sql`select 1`.execute(this.#db);
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.#database.close();
  }

  /** Reloads the cache now, or after the commit of the transaction this runs in (once per transaction). */
  #sourcesChanged(): Promise<void> {
    return this.#database.afterCommit(this.#reloadCache);
  }

  /** A field, not a method: one identity, so a transaction that changes several sources reloads once. */
  readonly #reloadCache = async (): Promise<void> => {
    const ticket = this.#cache.beginRead();
    const rows = await this.#db.selectFrom('sources').select(['id', 'workspace_id', 'write_key', 'enabled']).execute();
    this.#cache.replaceAll(ticket, rows.map((row) => ({ writeKey: row.write_key, sourceId: row.id, workspaceId: row.workspace_id, enabled: Boolean(row.enabled) })));
  };
}
