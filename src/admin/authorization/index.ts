/**
 * The admin API's one authorization layer: policy table (policy.ts), per-route declarations
 * (route-access.ts), resource resolvers and visibility (resources.ts), and the hook (authorize.ts).
 */
export { permissions, policy, allows, type Permission } from './policy.js';
export { WORKSPACE_PARAM, type RouteAccess, type ResourceType } from './route-access.js';
export { AuthorizationRegistry, destinationVisible, sourceVisible, type ResourceResolver, type WorkspaceMfaLookup } from './resources.js';
export { authorizedMembership, authorizedResource, installAuthorization, mayIn, requireAccessDeclarations, type Authorized } from './authorize.js';
