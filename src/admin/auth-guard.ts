/**
 * The one place admin requests are authenticated: an onRequest hook that turns the bearer credential (a
 * session token or an `slt_` API token, from the Authorization header or the session cookie) into
 * `request.adminAuth`, or answers 401 before the body is read. Handlers call `requireAuth(request)`;
 * roles are the authorization layer's business (src/admin/authorization/), which reads `memberships`.
 *
 * An API token's `memberships` are narrowed here to its one workspace with the lesser of its role and
 * the user's current role there, so authorization never special-cases tokens (the seam of issue 4).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SluiceError } from '../errors/index.js';
import type { Membership, Role, User } from '../control/index.js';
import { hashSessionToken } from '../control/ids.js';
import type { AdminIdentity } from './auth-context.js';
import { sessionTokenOf } from './auth-session.js';
import { isApiTokenFormat } from './tokens-format.js';

export type AdminCredential =
  | { readonly kind: 'session'; readonly sessionId: string; readonly mfaVerified: boolean }
  | { readonly kind: 'api_token'; readonly tokenId: string; readonly workspaceId: string; readonly role: Role };

export interface AdminAuth {
  readonly user: User;
  readonly credential: AdminCredential;
  /** The workspaces the caller may act in, with its role there (one, narrowed, for an API token). */
  readonly memberships: readonly Membership[];
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the admin auth hook on authenticated routes; null elsewhere. */
    adminAuth: AdminAuth | null;
  }
}

export function requireAuth(request: FastifyRequest): AdminAuth {
  if (!request.adminAuth) throw new SluiceError('unauthenticated');
  return request.adminAuth;
}

/** The caller's membership of the workspace with that slug, or a 404 (what they may not see, B4). */
export function membershipIn(auth: AdminAuth, workspaceSlug: string): Membership {
  const membership = auth.memberships.find((candidate) => candidate.workspace.slug === workspaceSlug);
  if (!membership) throw new SluiceError('not_found', `No workspace "${workspaceSlug}".`);
  return membership;
}

/**
 * The lesser of two roles, or undefined when neither contains the other. `owner` contains both others;
 * `read_only` (sees all, changes nothing) and `source_collaborator` (sees and changes a few sources)
 * are incomparable, so a token of one held by a member now of the other grants nothing.
 */
export function lesserRole(a: Role, b: Role): Role | undefined {
  if (a === b || b === 'owner') return a;
  if (a === 'owner') return b;
  return undefined;
}

/** The memberships an API token acts with: its workspace only, at the lesser role; none if incomparable. */
export function narrowToToken(memberships: readonly Membership[], token: { workspaceId: string; role: Role }): Membership[] {
  const membership = memberships.find((candidate) => candidate.workspace.id === token.workspaceId);
  const role = membership && lesserRole(token.role, membership.role);
  if (!membership || !role) return [];
  return [{ workspace: membership.workspace, role, sourceIds: role === 'source_collaborator' ? membership.sourceIds : [] }];
}

/** Resolves a raw bearer credential to the caller, or undefined when unknown, expired or revoked. */
export async function authenticateCredential(identity: AdminIdentity, credential: string): Promise<AdminAuth | undefined> {
  const now = identity.now();
  if (isApiTokenFormat(credential)) {
    const found = await identity.identity.findApiToken(hashSessionToken(credential), now);
    if (!found) return undefined;
    const { token, user } = found;
    await identity.tokenTouches.touch(token.id, now);
    return {
      user,
      credential: { kind: 'api_token', tokenId: token.id, workspaceId: token.workspaceId, role: token.role },
      memberships: narrowToToken(await identity.store.membershipsOf(user.id), token),
    };
  }
  const found = await identity.identity.findSession(hashSessionToken(credential), now);
  if (!found) return undefined;
  return {
    user: found.user,
    credential: { kind: 'session', sessionId: found.session.id, mfaVerified: found.session.mfaVerified },
    memberships: await identity.store.membershipsOf(found.user.id),
  };
}

/** Installs the hook on an encapsulated context: every route registered in it requires a credential. */
export function installAuthGuard(app: FastifyInstance, identity: AdminIdentity): void {
  app.addHook('onRequest', async (request) => {
    const lookup = sessionTokenOf(request);
    if (lookup.kind === 'csrf_missing') {
      throw new SluiceError('unauthenticated', 'A request authenticated by the session cookie must send the X-Sluice-Csrf header.');
    }
    if (lookup.kind === 'none') throw new SluiceError('unauthenticated');
    const auth = await authenticateCredential(identity, lookup.token);
    if (!auth) throw new SluiceError('unauthenticated', 'The token is unknown, expired or revoked; log in again (or create a new API token).');
    request.adminAuth = auth;
  });
}
