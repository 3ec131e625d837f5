/**
 * The one place admin requests are authenticated: an onRequest hook that turns the session token into
 * `request.adminAuth` (the user and their role in each workspace) or answers 401 before the body is
 * read. Handlers call `requireAuth(request)`; role checks (full RBAC later) build on `memberships`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SluiceError } from '../errors/index.js';
import type { Membership, MetadataStore, User } from '../control/index.js';
import { hashSessionToken } from '../control/ids.js';
import { sessionTokenOf } from './auth-session.js';

export interface AdminAuth {
  readonly user: User;
  readonly sessionId: string;
  /** Every workspace the user belongs to, with their role there. */
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

/** Resolves a raw session token to its live session, or undefined. */
export async function authenticateToken(store: MetadataStore, token: string, now: Date): Promise<AdminAuth | undefined> {
  const found = await store.findSession(hashSessionToken(token), now);
  if (!found) return undefined;
  return { user: found.user, sessionId: found.session.id, memberships: await store.membershipsOf(found.user.id) };
}

/** Installs the hook on an encapsulated context: every route registered in it requires a session. */
export function installAuthGuard(app: FastifyInstance, options: { store: MetadataStore; now: () => Date }): void {
  app.addHook('onRequest', async (request) => {
    const lookup = sessionTokenOf(request);
    if (lookup.kind === 'csrf_missing') {
      throw new SluiceError('unauthenticated', 'A request authenticated by the session cookie must send the X-Sluice-Csrf header.');
    }
    if (lookup.kind === 'none') throw new SluiceError('unauthenticated');
    const auth = await authenticateToken(options.store, lookup.token, options.now());
    if (!auth) throw new SluiceError('unauthenticated', 'The session token is unknown or has expired; log in again.');
    request.adminAuth = auth;
  });
}
