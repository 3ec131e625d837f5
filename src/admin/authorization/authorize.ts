/**
 * The authorization layer: one preValidation hook on every authenticated admin route. From the route's
 * declared access (route-access.ts) it resolves, in this order:
 *   1. the workspace by slug among the caller's memberships   → 404 not_found when not a member
 *   2. the workspace's MFA requirement                        → 403 mfa_required for a session without it
 *   3. the named resource and whether the caller may see it   → 404 not_found when missing or invisible
 *   4. the permission from the policy table                   → 403 forbidden when visible but not allowed
 * and leaves the result on `request.authorized` for the handler, which makes no role check of its own.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Membership } from '../../control/index.js';
import { SluiceError } from '../../errors/index.js';
import { requireAuth, type AdminAuth } from '../auth-guard.js';
import { allows, type Permission } from './policy.js';
import { WORKSPACE_PARAM, type RouteAccess } from './route-access.js';

export interface Authorized {
  readonly membership: Membership;
  readonly permission: Permission;
  /** The resource named by the route's `idParam`, loaded and visible. */
  readonly resource: unknown;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authorization layer on workspace routes; null elsewhere. */
    authorized: Authorized | null;
  }
}

/** Fails registration of any admin route that declares no access, so none can be forgotten. */
export function requireAccessDeclarations(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (route.config?.access === undefined) {
      const methods = Array.isArray(route.method) ? route.method.join(',') : route.method;
      throw new Error(`Admin route ${methods} ${route.url} declares no access (config.access): see src/admin/authorization/route-access.ts.`);
    }
  });
}

/** A session that logged in without a second factor (API tokens pass: their creation required one). */
const lacksSecondFactor = (auth: AdminAuth): boolean => auth.credential.kind === 'session' && !auth.credential.mfaVerified;

export function installAuthorization(app: FastifyInstance): void {
  app.decorateRequest('authorized', null);
  app.addHook('preValidation', async (request) => {
    const access: RouteAccess | undefined = request.routeOptions.config.access;
    if (access === undefined) throw new SluiceError('internal_error', 'This route declares no access.');
    if ('public' in access) return;
    const auth = requireAuth(request);
    if (!access.workspace) {
      if (access.sessionOnly && auth.credential.kind !== 'session') throw new SluiceError('forbidden', 'An API token acts in its one workspace only; use a login session for this.');
      return;
    }

    const params = request.params as Record<string, string | undefined>;
    const slug = params[WORKSPACE_PARAM] ?? '';
    const membership = auth.memberships.find((candidate) => candidate.workspace.slug === slug);
    if (!membership) throw new SluiceError('not_found', `No workspace "${slug}".`);
    if (lacksSecondFactor(auth) && (await app.adminAuthorization.requiresMfa(membership.workspace.id))) throw new SluiceError('mfa_required');

    let resource: unknown;
    if (access.resource) {
      const resolver = app.adminAuthorization.resolverOf(access.resource.type);
      if (!resolver) throw new Error(`No resolver registered for resource type "${access.resource.type}".`);
      const id = params[access.resource.idParam] ?? '';
      resource = await resolver.load(id, membership.workspace.id);
      if (resource === undefined || !resolver.visibleTo(membership, resource, auth.user.id)) {
        throw new SluiceError('not_found', `No ${access.resource.type} "${id}" in workspace "${slug}".`);
      }
    }
    if (!allows(membership.role, access.permission)) throw new SluiceError('forbidden');
    request.authorized = { membership, permission: access.permission, resource };
  });
}

/** The caller's membership of the route's workspace (a workspace route, past the layer). */
export function authorizedMembership(request: FastifyRequest): Membership {
  if (!request.authorized) throw new Error('authorizedMembership() on a route the authorization layer did not guard.');
  return request.authorized.membership;
}

/** The resource the layer loaded for the route's `idParam`. The caller names its type. */
export function authorizedResource<T>(request: FastifyRequest): T {
  if (!request.authorized || request.authorized.resource === undefined) throw new Error('authorizedResource() on a route without a declared resource.');
  return request.authorized.resource as T;
}

/** Whether the caller's role holds a permission in this workspace (for scoping lists, not for guarding). */
export const mayIn = (membership: Membership, permission: Permission): boolean => allows(membership.role, permission);
