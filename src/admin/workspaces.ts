/**
 * Workspaces (DESIGN B4): `GET /workspaces` (the caller's, with its role in each), `POST /workspaces`
 * (the caller becomes its owner), `PATCH /workspaces/:workspace` (name, MFA requirement; owners).
 * Also registers the layer's MFA lookup, since the requirement is a workspace setting.
 */
import type { FastifyInstance } from 'fastify';
import type { MetadataStore } from '../control/index.js';
import type { WorkspaceAdminStore, WorkspaceSettings } from '../control/workspace-admin-store.js';
import { SluiceError } from '../errors/index.js';
import { requireAuth } from './auth-guard.js';
import type { AuditRecorder } from './audit-recorder.js';
import { authorizedMembership } from './authorization/index.js';
import { nameString, object, roleEnum, timeString, workspaceParams } from './openapi-schemas.js';

export interface WorkspaceRouteDeps {
  readonly store: MetadataStore;
  readonly workspaces: WorkspaceAdminStore;
  readonly audit: AuditRecorder;
}

const workspaceSchema = object(
  { id: { type: 'string' }, slug: { type: 'string' }, name: { type: 'string' }, requireMfa: { type: 'boolean' }, createdAt: timeString },
  ['id', 'slug', 'name', 'requireMfa', 'createdAt'],
);
const slugString = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9-]*$' };

const workspaceJson = (workspace: WorkspaceSettings) => ({ id: workspace.id, slug: workspace.slug, name: workspace.name, requireMfa: workspace.requireMfa, createdAt: workspace.createdAt });

export function workspaceRoutes(app: FastifyInstance, deps: WorkspaceRouteDeps): void {
  const { store, workspaces, audit } = deps;
  app.adminAuthorization.useWorkspaceMfa(async (workspaceId) => (await workspaces.findWorkspace(workspaceId))?.requireMfa ?? false);

  app.get(
    '/workspaces',
    {
      config: { access: { workspace: false } },
      schema: {
        summary: "The caller's workspaces and its role in each",
        response: { 200: object({ workspaces: { type: 'array', items: object({ ...(workspaceSchema.properties as object), role: roleEnum }, [...(workspaceSchema.required as string[]), 'role']) } }, ['workspaces']) },
      },
    },
    async (request) => {
      const listed = [];
      for (const membership of requireAuth(request).memberships) {
        const workspace = await workspaces.findWorkspace(membership.workspace.id);
        if (workspace) listed.push({ ...workspaceJson(workspace), role: membership.role });
      }
      return { workspaces: listed };
    },
  );

  app.post(
    '/workspaces',
    {
      // A token scoped to one workspace must not mint another (where its user would be owner).
      config: { access: { workspace: false, sessionOnly: true } },
      schema: { summary: 'Create a workspace owned by the caller (login sessions only)', body: object({ slug: slugString, name: nameString }, ['slug', 'name']), response: { 201: workspaceSchema } },
    },
    async (request, reply) => {
      const auth = requireAuth(request);
      const body = request.body as { slug: string; name: string };
      const exists = () => new SluiceError('workspace_exists', `A workspace "${body.slug}" already exists.`);
      const workspace = await audit
        .atomically(async () => {
          if (await store.findWorkspaceBySlug(body.slug)) throw exists();
          const { id } = await store.createWorkspace({ slug: body.slug, name: body.name.trim() });
          await store.addMember({ workspaceId: id, userId: auth.user.id, role: 'owner' });
          const settings = (await workspaces.findWorkspace(id))!;
          await audit.record({ workspaceId: id, actor: auth, action: 'workspace.create', resource: { type: 'workspace', id }, after: workspaceJson(settings), ip: request.ip });
          return settings;
        })
        .catch(async (error: unknown) => {
          // Two creations racing for one slug: the loser hits the unique index, which means the same.
          if (!(error instanceof SluiceError) && (await store.findWorkspaceBySlug(body.slug))) throw exists();
          throw error;
        });
      return reply.code(201).send(workspaceJson(workspace));
    },
  );

  app.patch(
    '/workspaces/:workspace',
    {
      config: { access: { workspace: true, permission: 'workspace:write' } },
      schema: {
        summary: "Change a workspace's name or MFA requirement",
        params: workspaceParams,
        body: object({ name: nameString, requireMfa: { type: 'boolean' } }),
        response: { 200: workspaceSchema },
      },
    },
    async (request) => {
      const id = authorizedMembership(request).workspace.id;
      const body = request.body as { name?: string; requireMfa?: boolean };
      const auth = requireAuth(request);
      // Requiring a second factor from a session without one would lock its owner out at once.
      if (body.requireMfa === true && auth.credential.kind === 'session' && !auth.credential.mfaVerified) {
        throw new SluiceError('mfa_required', 'Enrol TOTP and log in with it before requiring it from every member.');
      }
      const after = await audit.atomically(async () => {
        const before = await workspaces.findWorkspace(id);
        const changed = await workspaces.updateWorkspace(id, { ...(body.name === undefined ? {} : { name: body.name.trim() }), ...(body.requireMfa === undefined ? {} : { requireMfa: body.requireMfa }) });
        if (!before || !changed) throw new SluiceError('not_found');
        await audit.record({ workspaceId: id, actor: auth, action: 'workspace.update', resource: { type: 'workspace', id }, before: workspaceJson(before), after: workspaceJson(changed), ip: request.ip });
        return changed;
      });
      return workspaceJson(after);
    },
  );
}
