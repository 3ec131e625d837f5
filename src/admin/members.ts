/**
 * The members admin API (DESIGN B4) under /workspaces/:workspace/members: list, add (creating the user
 * when the email is new: bcrypt via passwords.ts; the password is never echoed, logged or audited),
 * change role and granted sources, remove. The store refuses to remove or demote the last owner (409
 * `last_owner`). Access is declared per route; a member the caller may not see is a 404.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { MetadataStore, Role } from '../control/index.js';
import type { Member, MembershipStore } from '../control/membership-store.js';
import { hashPassword } from '../control/passwords.js';
import { SluiceError } from '../errors/index.js';
import { requireAuth } from './auth-guard.js';
import type { AuditRecorder } from './audit-recorder.js';
import { authorizedMembership, authorizedResource, mayIn, type ResourceResolver } from './authorization/index.js';
import { object, roleEnum, sourceIdList, timeString, workspaceIdParams, workspaceParams } from './openapi-schemas.js';

export interface MemberRouteDeps {
  readonly store: MetadataStore;
  readonly members: MembershipStore;
  readonly audit: AuditRecorder;
}

const memberSchema = object(
  { userId: { type: 'string' }, email: { type: 'string' }, role: roleEnum, sourceIds: { type: 'array', items: { type: 'string' } }, createdAt: timeString },
  ['userId', 'email', 'role', 'sourceIds', 'createdAt'],
);

const memberJson = (member: Member) => ({ userId: member.userId, email: member.email, role: member.role, sourceIds: [...member.sourceIds], createdAt: member.createdAt });

export const memberResolver = (members: MembershipStore): ResourceResolver<Member> => ({
  load: (userId, workspaceId) => members.findMember(workspaceId, userId),
  // Everyone sees themselves; the rest of the list is for roles that may read members.
  visibleTo: (membership, member, callerId) => member.userId === callerId || mayIn(membership, 'members:read'),
});

export function memberRoutes(app: FastifyInstance, deps: MemberRouteDeps): void {
  const { store, members, audit } = deps;
  const base = '/workspaces/:workspace/members';
  const one = { type: 'member', idParam: 'userId' } as const;
  const record = (request: FastifyRequest, action: string, id: string, change: { before?: unknown; after?: unknown }) =>
    audit.record({ workspaceId: authorizedMembership(request).workspace.id, actor: requireAuth(request), action, resource: { type: 'member', id }, ...change, ip: request.ip });

  /** Granted sources must be sources of this workspace, and only collaborators hold any. */
  const checkGrants = async (workspaceId: string, role: Role, sourceIds: readonly string[] | undefined) => {
    if (sourceIds === undefined || sourceIds.length === 0) return;
    if (role !== 'source_collaborator') throw new SluiceError('invalid_request', '"sourceIds" applies only to the source_collaborator role.');
    for (const sourceId of sourceIds) {
      const source = await store.findSource(sourceId);
      if (source?.workspaceId !== workspaceId) throw new SluiceError('unknown_source', `No source "${sourceId}" in this workspace.`);
    }
  };

  app.get(
    base,
    {
      config: { access: { workspace: true, permission: 'members:read' } },
      schema: { summary: 'List members', params: workspaceParams, response: { 200: object({ members: { type: 'array', items: memberSchema } }, ['members']) } },
    },
    async (request) => ({ members: (await members.listMembers(authorizedMembership(request).workspace.id)).map(memberJson) }),
  );

  app.post(
    base,
    {
      config: { access: { workspace: true, permission: 'members:write' } },
      schema: {
        summary: 'Add a member (creating the user when the email is new)',
        params: workspaceParams,
        body: object(
          {
            email: { type: 'string', format: 'email', minLength: 3, maxLength: 254 },
            // bcrypt reads at most 72 bytes; a longer password would be silently cut.
            password: { type: 'string', minLength: 12, maxLength: 72 },
            role: roleEnum,
            sourceIds: sourceIdList,
          },
          ['email', 'role'],
        ),
        response: { 201: memberSchema },
      },
    },
    async (request, reply) => {
      const body = request.body as { email: string; password?: string; role: Role; sourceIds?: string[] };
      const workspaceId = authorizedMembership(request).workspace.id;
      await checkGrants(workspaceId, body.role, body.sourceIds);
      const existing = await store.findCredentials(body.email);
      if (!existing && body.password === undefined) throw new SluiceError('invalid_request', '"password" is required to create a new user.');
      const passwordHash = existing ? undefined : await hashPassword(body.password!);
      // The password was hashed above: nothing slow runs while the transaction holds the database.
      const member = await audit
        .atomically(async () => {
          const user = existing?.user ?? (await store.createUser({ email: body.email, passwordHash: passwordHash! }));
          if ((await store.membershipsOf(user.id)).some((membership) => membership.workspace.id === workspaceId)) throw new SluiceError('member_exists');
          await store.addMember({ workspaceId, userId: user.id, role: body.role, ...(body.sourceIds ? { sourceIds: body.sourceIds } : {}) });
          const added = (await members.findMember(workspaceId, user.id))!;
          await record(request, 'member.add', user.id, { after: { ...memberJson(added), userCreated: !existing } });
          return added;
        })
        .catch(async (error: unknown) => {
          // Two additions racing (same email or same member): the loser hits a unique key, which means the same.
          const raced = await store.findCredentials(body.email);
          if (!(error instanceof SluiceError) && raced && (await members.findMember(workspaceId, raced.user.id))) throw new SluiceError('member_exists');
          throw error;
        });
      return reply.code(201).send(memberJson(member));
    },
  );

  app.patch(
    `${base}/:userId`,
    {
      config: { access: { workspace: true, permission: 'members:write', resource: one } },
      schema: {
        summary: "Change a member's role or granted sources",
        params: workspaceIdParams('userId'),
        body: object({ role: roleEnum, sourceIds: sourceIdList }),
        response: { 200: memberSchema },
      },
    },
    async (request) => {
      const before = authorizedResource<Member>(request);
      const body = request.body as { role?: Role; sourceIds?: string[] };
      const workspaceId = authorizedMembership(request).workspace.id;
      await checkGrants(workspaceId, body.role ?? before.role, body.sourceIds);
      const updated = await audit.atomically(async () => {
        const result = await members.updateMember(workspaceId, before.userId, { ...(body.role ? { role: body.role } : {}), ...(body.sourceIds ? { sourceIds: body.sourceIds } : {}) });
        if (result.kind === 'not_found') throw new SluiceError('not_found', `No member "${before.userId}".`);
        if (result.kind === 'last_owner') throw new SluiceError('last_owner');
        await record(request, 'member.update', before.userId, { before: memberJson(before), after: memberJson(result.member) });
        return result.member;
      });
      return memberJson(updated);
    },
  );

  app.delete(
    `${base}/:userId`,
    {
      config: { access: { workspace: true, permission: 'members:write', resource: one } },
      schema: { summary: 'Remove a member from the workspace (the user remains)', params: workspaceIdParams('userId'), response: { 204: { type: 'null' } } },
    },
    async (request, reply) => {
      const member = authorizedResource<Member>(request);
      await audit.atomically(async () => {
        const result = await members.removeMember(authorizedMembership(request).workspace.id, member.userId);
        if (result.kind === 'not_found') throw new SluiceError('not_found', `No member "${member.userId}".`);
        if (result.kind === 'last_owner') throw new SluiceError('last_owner');
        await record(request, 'member.remove', member.userId, { before: memberJson(member) });
      });
      return reply.code(204).send();
    },
  );
}
