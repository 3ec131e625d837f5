/**
 * How the layer finds a resource named in a path and decides whether the caller may see it. Route
 * groups register a resolver per resource type (they hold the stores) on the admin app's registry; the
 * layer owns the rule that an invisible resource and a missing one look the same (404).
 */
import type { Membership } from '../../control/index.js';
import type { ResourceType } from './route-access.js';

export interface ResourceResolver<T = unknown> {
  /** The resource with that id in that workspace, or undefined (another workspace's is undefined too). */
  load(id: string, workspaceId: string): Promise<T | undefined>;
  /** Whether the member may see it at all (their permissions decide what they may do with it). */
  visibleTo(membership: Membership, resource: T, userId: string): boolean;
}

/** Sources visible to a member: all of them, except for a collaborator, who sees its granted ones. */
export function sourceVisible(membership: Membership, sourceId: string): boolean {
  return membership.role !== 'source_collaborator' || membership.sourceIds.includes(sourceId);
}

/** A destination is visible to a collaborator only when every source it is connected to is theirs. */
export function destinationVisible(membership: Membership, sourceIds: readonly string[]): boolean {
  if (membership.role !== 'source_collaborator') return true;
  return sourceIds.length > 0 && sourceIds.every((sourceId) => membership.sourceIds.includes(sourceId));
}

/** Whether the workspace requires a second factor (migration 004); registered by the workspace routes. */
export type WorkspaceMfaLookup = (workspaceId: string) => Promise<boolean>;

export class AuthorizationRegistry {
  readonly #resolvers = new Map<ResourceType, ResourceResolver>();
  #requiresMfa: WorkspaceMfaLookup = async () => false;

  defineResource<T>(type: ResourceType, resolver: ResourceResolver<T>): void {
    this.#resolvers.set(type, resolver as ResourceResolver);
  }

  resolverOf(type: ResourceType): ResourceResolver | undefined {
    return this.#resolvers.get(type);
  }

  useWorkspaceMfa(lookup: WorkspaceMfaLookup): void {
    this.#requiresMfa = lookup;
  }

  requiresMfa(workspaceId: string): Promise<boolean> {
    return this.#requiresMfa(workspaceId);
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The admin app's resource resolvers and MFA lookup (set by the admin plugin). */
    adminAuthorization: AuthorizationRegistry;
  }
}
