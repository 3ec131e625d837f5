/**
 * `IdentityStore` over Kysely: the one place SQL for sessions (as the identity layer sees them), TOTP
 * enrolments and API tokens is written. Shares the metadata database handle (database.ts).
 */
import type { Kysely, Selectable } from 'kysely';
import type { ControlDatabase } from './database.js';
import type { ApiTokenTable, IdentityDatabase, IdentitySessionTable } from './identity-store-tables.js';
import type { ApiToken, IdentitySession, IdentityStore, NewApiToken, TotpEnrolment } from './identity-store.js';
import { newId } from './ids.js';
import type { User } from './metadata-store.js';

const toSession = (row: Selectable<IdentitySessionTable>): IdentitySession => ({
  id: row.id,
  userId: row.user_id,
  mfaVerified: Boolean(row.mfa_verified),
  createdAt: row.created_at,
  expiresAt: row.expires_at,
});

const toApiToken = (row: Selectable<ApiTokenTable>): ApiToken => ({
  id: row.id,
  userId: row.user_id,
  workspaceId: row.workspace_id,
  name: row.name,
  role: row.role,
  scope: row.scope,
  createdAt: row.created_at,
  expiresAt: row.expires_at ?? undefined,
  lastUsedAt: row.last_used_at ?? undefined,
});

export class SqlIdentityStore implements IdentityStore {
  readonly #database: ControlDatabase;

  constructor(database: ControlDatabase) {
    this.#database = database;
  }

  /** Read per query: the caller's transaction when there is one (database.ts). */
  get #db(): Kysely<IdentityDatabase> {
    return this.#database.db as unknown as Kysely<IdentityDatabase>;
  }

  async createSession(input: { userId: string; tokenHash: string; expiresAt: Date; mfaVerified: boolean }): Promise<IdentitySession> {
    const row = {
      id: newId(),
      user_id: input.userId,
      token_hash: input.tokenHash,
      created_at: new Date().toISOString(),
      expires_at: input.expiresAt.toISOString(),
      mfa_verified: input.mfaVerified ? 1 : 0,
    };
    await this.#db.insertInto('sessions').values(row).execute();
    return toSession(row);
  }

  async findSession(tokenHash: string, now: Date): Promise<{ session: IdentitySession; user: User } | undefined> {
    const row = await this.#db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .selectAll('sessions')
      .select(['users.email', 'users.created_at as user_created_at'])
      .where('sessions.token_hash', '=', tokenHash)
      .where('sessions.expires_at', '>', now.toISOString())
      .executeTakeFirst();
    if (!row) return undefined;
    return { session: toSession(row), user: { id: row.user_id, email: row.email, createdAt: row.user_created_at } };
  }

  async listSessions(userId: string, now: Date): Promise<IdentitySession[]> {
    const rows = await this.#db
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .where('expires_at', '>', now.toISOString())
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .execute();
    return rows.map(toSession);
  }

  async revokeSession(userId: string, sessionId: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('sessions').where('id', '=', sessionId).where('user_id', '=', userId).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async deleteSessionByTokenHash(tokenHash: string): Promise<void> {
    await this.#db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
  }

  async deleteExpired(now: Date): Promise<{ sessions: number; apiTokens: number }> {
    const at = now.toISOString();
    const sessions = await this.#db.deleteFrom('sessions').where('expires_at', '<=', at).executeTakeFirst();
    const apiTokens = await this.#db.deleteFrom('api_tokens').where('expires_at', 'is not', null).where('expires_at', '<=', at).executeTakeFirst();
    return { sessions: Number(sessions.numDeletedRows), apiTokens: Number(apiTokens.numDeletedRows) };
  }

  async findTotp(userId: string): Promise<TotpEnrolment | undefined> {
    const row = await this.#db.selectFrom('user_totp').selectAll().where('user_id', '=', userId).executeTakeFirst();
    if (!row) return undefined;
    return { userId: row.user_id, sealedSecret: row.sealed_secret, enabled: Boolean(row.enabled), lastUsedStep: Number(row.last_used_step) };
  }

  async startTotp(userId: string, sealedSecret: string): Promise<boolean> {
    return this.#database.atomically(async () => {
      const trx = this.#db;
      const existing = await trx.selectFrom('user_totp').select('enabled').where('user_id', '=', userId).executeTakeFirst();
      if (existing?.enabled) return false;
      await trx.deleteFrom('user_totp').where('user_id', '=', userId).execute();
      await trx
        .insertInto('user_totp')
        .values({ user_id: userId, sealed_secret: sealedSecret, enabled: 0, last_used_step: -1, created_at: new Date().toISOString() })
        .execute();
      return true;
    });
  }

  async useTotpStep(userId: string, step: number, options: { enable?: boolean } = {}): Promise<boolean> {
    // One conditional UPDATE: of two concurrent logins with the same code, only one sees a row change.
    const result = await this.#db
      .updateTable('user_totp')
      .set(options.enable ? { last_used_step: step, enabled: 1 } : { last_used_step: step })
      .where('user_id', '=', userId)
      .where('last_used_step', '<', step)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async deleteTotp(userId: string): Promise<void> {
    await this.#db.deleteFrom('user_totp').where('user_id', '=', userId).execute();
  }

  async createApiToken(input: NewApiToken): Promise<ApiToken> {
    const row: ApiTokenTable = {
      id: newId(),
      user_id: input.userId,
      workspace_id: input.workspaceId,
      name: input.name,
      role: input.role,
      scope: input.scope,
      token_hash: input.tokenHash,
      created_at: new Date().toISOString(),
      expires_at: input.expiresAt?.toISOString() ?? null,
      last_used_at: null,
    };
    await this.#db.insertInto('api_tokens').values(row).execute();
    return toApiToken(row);
  }

  async findApiToken(tokenHash: string, now: Date): Promise<{ token: ApiToken; user: User } | undefined> {
    const row = await this.#db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .selectAll('api_tokens')
      .select(['users.email', 'users.created_at as user_created_at'])
      .where('api_tokens.token_hash', '=', tokenHash)
      .where((eb) => eb.or([eb('api_tokens.expires_at', 'is', null), eb('api_tokens.expires_at', '>', now.toISOString())]))
      .executeTakeFirst();
    if (!row) return undefined;
    return { token: toApiToken(row), user: { id: row.user_id, email: row.email, createdAt: row.user_created_at } };
  }

  async findApiTokenById(id: string): Promise<ApiToken | undefined> {
    const row = await this.#db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toApiToken(row) : undefined;
  }

  async listApiTokens(filter: { userId: string } | { workspaceId: string }): Promise<ApiToken[]> {
    let query = this.#db.selectFrom('api_tokens').selectAll().orderBy('created_at').orderBy('id');
    query = 'userId' in filter ? query.where('user_id', '=', filter.userId) : query.where('workspace_id', '=', filter.workspaceId);
    return (await query.execute()).map(toApiToken);
  }

  async deleteApiToken(id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('api_tokens').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async touchApiToken(id: string, at: Date): Promise<void> {
    await this.#db.updateTable('api_tokens').set({ last_used_at: at.toISOString() }).where('id', '=', id).execute();
  }
}
