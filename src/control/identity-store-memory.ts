/**
 * `IdentityStore` in memory, for `buildApp()` callers that bring no database handle (unit tests of other
 * plugins) and as a second implementation the conformance suite keeps honest. Users come from the
 * MetadataStore. Nothing survives a restart: `startServer()` must pass the SQL store.
 */
import type { ApiToken, IdentitySession, IdentityStore, NewApiToken, TotpEnrolment } from './identity-store.js';
import { newId } from './ids.js';
import type { MetadataStore, User } from './metadata-store.js';

interface StoredSession extends IdentitySession {
  readonly tokenHash: string;
}

interface StoredToken extends ApiToken {
  readonly tokenHash: string;
}

const publicSession = ({ tokenHash: _hash, ...session }: StoredSession): IdentitySession => session;
const publicToken = ({ tokenHash: _hash, ...token }: StoredToken): ApiToken => token;

export class MemoryIdentityStore implements IdentityStore {
  readonly #users: Pick<MetadataStore, 'findUser'>;
  readonly #sessions = new Map<string, StoredSession>();
  readonly #totp = new Map<string, TotpEnrolment>();
  readonly #tokens = new Map<string, StoredToken>();

  constructor(users: Pick<MetadataStore, 'findUser'>) {
    this.#users = users;
  }

  async createSession(input: { userId: string; tokenHash: string; expiresAt: Date; mfaVerified: boolean }): Promise<IdentitySession> {
    const session: StoredSession = {
      id: newId(),
      userId: input.userId,
      tokenHash: input.tokenHash,
      mfaVerified: input.mfaVerified,
      createdAt: new Date().toISOString(),
      expiresAt: input.expiresAt.toISOString(),
    };
    this.#sessions.set(session.id, session);
    return publicSession(session);
  }

  async findSession(tokenHash: string, now: Date): Promise<{ session: IdentitySession; user: User } | undefined> {
    const session = [...this.#sessions.values()].find((candidate) => candidate.tokenHash === tokenHash && candidate.expiresAt > now.toISOString());
    const user = session && (await this.#users.findUser(session.userId));
    return session && user ? { session: publicSession(session), user } : undefined;
  }

  async listSessions(userId: string, now: Date): Promise<IdentitySession[]> {
    return [...this.#sessions.values()]
      .filter((session) => session.userId === userId && session.expiresAt > now.toISOString())
      .sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? -1 : 1) : a.createdAt < b.createdAt ? 1 : -1))
      .map(publicSession);
  }

  async revokeSession(userId: string, sessionId: string): Promise<boolean> {
    if (this.#sessions.get(sessionId)?.userId !== userId) return false;
    return this.#sessions.delete(sessionId);
  }

  async deleteSessionByTokenHash(tokenHash: string): Promise<void> {
    for (const [id, session] of this.#sessions) if (session.tokenHash === tokenHash) this.#sessions.delete(id);
  }

  async deleteExpired(now: Date): Promise<{ sessions: number; apiTokens: number }> {
    const at = now.toISOString();
    let sessions = 0;
    let apiTokens = 0;
    for (const [id, session] of this.#sessions) if (session.expiresAt <= at && this.#sessions.delete(id)) sessions++;
    for (const [id, token] of this.#tokens) if (token.expiresAt !== undefined && token.expiresAt <= at && this.#tokens.delete(id)) apiTokens++;
    return { sessions, apiTokens };
  }

  async findTotp(userId: string): Promise<TotpEnrolment | undefined> {
    return this.#totp.get(userId);
  }

  async startTotp(userId: string, sealedSecret: string): Promise<boolean> {
    if (this.#totp.get(userId)?.enabled) return false;
    this.#totp.set(userId, { userId, sealedSecret, enabled: false, lastUsedStep: -1 });
    return true;
  }

  async useTotpStep(userId: string, step: number, options: { enable?: boolean } = {}): Promise<boolean> {
    const enrolment = this.#totp.get(userId);
    if (!enrolment || enrolment.lastUsedStep >= step) return false;
    this.#totp.set(userId, { ...enrolment, lastUsedStep: step, enabled: enrolment.enabled || options.enable === true });
    return true;
  }

  async deleteTotp(userId: string): Promise<void> {
    this.#totp.delete(userId);
  }

  async createApiToken(input: NewApiToken): Promise<ApiToken> {
    if ([...this.#tokens.values()].some((token) => token.tokenHash === input.tokenHash)) throw new Error('Duplicate API token hash.');
    const token: StoredToken = {
      id: newId(),
      userId: input.userId,
      workspaceId: input.workspaceId,
      name: input.name,
      role: input.role,
      scope: input.scope,
      tokenHash: input.tokenHash,
      createdAt: new Date().toISOString(),
      expiresAt: input.expiresAt?.toISOString(),
      lastUsedAt: undefined,
    };
    this.#tokens.set(token.id, token);
    return publicToken(token);
  }

  async findApiToken(tokenHash: string, now: Date): Promise<{ token: ApiToken; user: User } | undefined> {
    const token = [...this.#tokens.values()].find(
      (candidate) => candidate.tokenHash === tokenHash && (candidate.expiresAt === undefined || candidate.expiresAt > now.toISOString()),
    );
    const user = token && (await this.#users.findUser(token.userId));
    return token && user ? { token: publicToken(token), user } : undefined;
  }

  async findApiTokenById(id: string): Promise<ApiToken | undefined> {
    const token = this.#tokens.get(id);
    return token && publicToken(token);
  }

  async listApiTokens(filter: { userId: string } | { workspaceId: string }): Promise<ApiToken[]> {
    const matches = (token: ApiToken) => ('userId' in filter ? token.userId === filter.userId : token.workspaceId === filter.workspaceId);
    return [...this.#tokens.values()]
      .filter(matches)
      .sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? -1 : 1) : a.createdAt < b.createdAt ? -1 : 1))
      .map(publicToken);
  }

  async deleteApiToken(id: string): Promise<boolean> {
    return this.#tokens.delete(id);
  }

  async touchApiToken(id: string, at: Date): Promise<void> {
    const token = this.#tokens.get(id);
    if (token) this.#tokens.set(id, { ...token, lastUsedAt: at.toISOString() });
  }
}
