/**
 * What the admin API's identity layer needs from the metadata store, as domain methods: sessions (with
 * their MFA flag, listable and revocable), TOTP enrolments, API tokens. Domain types only: no Kysely here.
 * Implemented over Kysely in identity-store-sql.ts. Tokens of both kinds are stored only as SHA-256
 * hashes; TOTP secrets only in the sealed form the caller hands over (see src/admin/mfa-secrets.ts).
 */
import type { Role, User } from './metadata-store.js';

export interface IdentitySession {
  readonly id: string;
  readonly userId: string;
  /** True when the login that created it gave a valid TOTP code. */
  readonly mfaVerified: boolean;
  readonly createdAt: string;
  readonly expiresAt: string;
}

export interface TotpEnrolment {
  readonly userId: string;
  /** The secret as sealed by the caller (never the clear secret unless the caller chose so). */
  readonly sealedSecret: string;
  /** False while enrolment awaits its first code (POST /auth/mfa/totp/confirm). */
  readonly enabled: boolean;
  /** The last time step a code was accepted for; codes of this step or older are refused (replay). */
  readonly lastUsedStep: number;
}

/** `personal`: a member's own token; `workspace`: made by an owner for automation, managed by any owner. */
export type ApiTokenScope = 'personal' | 'workspace';

export interface ApiToken {
  readonly id: string;
  readonly userId: string;
  readonly workspaceId: string;
  readonly name: string;
  readonly role: Role;
  readonly scope: ApiTokenScope;
  readonly createdAt: string;
  /** Undefined: never expires. */
  readonly expiresAt: string | undefined;
  readonly lastUsedAt: string | undefined;
}

export interface NewApiToken {
  readonly userId: string;
  readonly workspaceId: string;
  readonly name: string;
  readonly role: Role;
  readonly scope: ApiTokenScope;
  /** SHA-256 of the token (see src/admin/tokens-format.ts); the token itself never reaches the store. */
  readonly tokenHash: string;
  readonly expiresAt: Date | undefined;
}

export interface IdentityStore {
  createSession(input: { userId: string; tokenHash: string; expiresAt: Date; mfaVerified: boolean }): Promise<IdentitySession>;
  /** The live session (not expired at `now`) with that token hash, and its user. */
  findSession(tokenHash: string, now: Date): Promise<{ session: IdentitySession; user: User } | undefined>;
  /** The user's live sessions, newest first. */
  listSessions(userId: string, now: Date): Promise<IdentitySession[]>;
  /** Deletes the session if it belongs to that user; false otherwise. */
  revokeSession(userId: string, sessionId: string): Promise<boolean>;
  deleteSessionByTokenHash(tokenHash: string): Promise<void>;
  /** Removes sessions and API tokens expired at `now`; returns how many of each. */
  deleteExpired(now: Date): Promise<{ sessions: number; apiTokens: number }>;

  findTotp(userId: string): Promise<TotpEnrolment | undefined>;
  /** Starts (or restarts) an enrolment: a new secret, not yet enabled. Refused (false) when one is enabled. */
  startTotp(userId: string, sealedSecret: string): Promise<boolean>;
  /**
   * Records that a code of `step` was accepted and, with `enable`, turns TOTP on. Atomic: false when a
   * code of this step or a later one was already accepted (a concurrent replay loses).
   */
  useTotpStep(userId: string, step: number, options?: { enable?: boolean }): Promise<boolean>;
  deleteTotp(userId: string): Promise<void>;

  createApiToken(input: NewApiToken): Promise<ApiToken>;
  /** The unexpired token with that hash, and its user. */
  findApiToken(tokenHash: string, now: Date): Promise<{ token: ApiToken; user: User } | undefined>;
  findApiTokenById(id: string): Promise<ApiToken | undefined>;
  /** Tokens of one user (every workspace), or of one workspace (every user); oldest first. */
  listApiTokens(filter: { userId: string } | { workspaceId: string }): Promise<ApiToken[]>;
  deleteApiToken(id: string): Promise<boolean>;
  /** Sets lastUsedAt (callers throttle how often). */
  touchApiToken(id: string, at: Date): Promise<void>;
}
