/**
 * What an admin route declares about itself, in its route config (`config: { access }`): the layer
 * (authorize.ts) reads it, and a route that declares nothing fails at registration.
 *
 *   { public: true }                                  login, logout, the OpenAPI document
 *   { workspace: false }                              any authenticated caller (list workspaces)
 *   { workspace: false, sessionOnly: true }           a login session, not an API token (create a workspace)
 *   { workspace: true, permission: 'sources:read' }   a workspace route (`:workspace` = slug)
 *   { workspace: true, permission: 'sources:write', resource: { type: 'source', idParam: 'id' } }
 */
import type { Permission } from './policy.js';

export type ResourceType = 'source' | 'destination' | 'member' | 'token';

export type RouteAccess =
  | { readonly public: true }
  | {
      readonly workspace: false;
      /** Only a login session may call it, not an API token (which acts in its one workspace only). */
      readonly sessionOnly?: true;
    }
  | {
      readonly workspace: true;
      readonly permission: Permission;
      /** A single resource named by a path parameter: a 404 unless it exists and the caller may see it. */
      readonly resource?: { readonly type: ResourceType; readonly idParam: string };
    };

/** The path parameter holding the workspace slug in every workspace route. */
export const WORKSPACE_PARAM = 'workspace';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** How the authorization layer guards this admin route (required on every admin route). */
    access?: RouteAccess;
    /**
     * The code for a schema-validation failure on this route (default `invalid_request`): one code, or
     * codes by the failing field's JSON pointer prefix (`''` for the rest), e.g. `{ '/settings': ..., '': ... }`.
     */
    invalidRequestCode?: import('../../errors/codes.js').ErrorCode | Readonly<Record<string, import('../../errors/codes.js').ErrorCode>>;
  }
}
