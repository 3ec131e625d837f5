/**
 * The policy table: what each role may do in its workspace. The only place roles meet permissions —
 * handlers never look at a role. Scoping (which sources and destinations a `source_collaborator`
 * sees) is the resource resolvers' job (resources.ts); this table says what it may do with them.
 */
import type { Role } from '../../control/index.js';

export const permissions = [
  'workspace:read',
  'workspace:write',
  'sources:read',
  'sources:create',
  'sources:write',
  'sources:delete',
  'destinations:read',
  'destinations:write',
  'members:read',
  'members:write',
  'audit:read',
  /** Create, list and revoke one's own API tokens. */
  'tokens:own',
  /** Create, list and revoke any member's API tokens (workspace tokens). */
  'tokens:workspace',
] as const;

export type Permission = (typeof permissions)[number];

const everything: readonly Permission[] = permissions;

export const policy: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  owner: new Set(everything),
  // Sees every source, destination, setting and member; changes nothing (seed: "Read-only members").
  read_only: new Set<Permission>(['workspace:read', 'sources:read', 'destinations:read', 'members:read', 'audit:read', 'tokens:own']),
  // Sees and changes only the sources granted and the destinations connected only to them; creating
  // or deleting sources, members and the audit log are the owners' (seed: "collaborator for a single Source").
  source_collaborator: new Set<Permission>(['workspace:read', 'sources:read', 'sources:write', 'destinations:read', 'destinations:write', 'tokens:own']),
};

export const allows = (role: Role, permission: Permission): boolean => policy[role].has(permission);
