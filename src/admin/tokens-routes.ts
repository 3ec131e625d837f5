/**
 * API tokens for automation. Personal (any member, for themselves; authentication only):
 *   GET /tokens · POST /tokens {name, workspace, role, expiresInDays?} · DELETE /tokens/:id
 * Workspace (owners, `tokens:workspace` in the policy table):
 *   GET|POST /workspaces/:workspace/tokens {name, role, expiresInDays?} · DELETE .../tokens/:tokenId
 * `role` defaults to the creator's own role there. A token is shown once, in the creation response; the store keeps its SHA-256. Its role is at most the
 * creator's role in the workspace; creating one takes a password session (not another token), and an
 * MFA-verified one where the workspace requires MFA. Creation and revocation are audited.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiToken, ApiTokenScope } from '../control/identity-store.js';
import { hashSessionToken } from '../control/ids.js';
import type { Membership, Role } from '../control/index.js';
import { SluiceError } from '../errors/index.js';
import type { AdminIdentity } from './auth-context.js';
import { lesserRole, membershipIn, requireAuth, type AdminAuth } from './auth-guard.js';
import { authorizedMembership, authorizedResource, mayIn } from './authorization/index.js';
import { newApiToken } from './tokens-format.js';
import { summaryOnly } from './auth-schemas.js';

const MAX_EXPIRY_DAYS = 3650;
const roleEnum = { type: 'string', enum: ['owner', 'read_only', 'source_collaborator'] } as const;
const tokenFields = {
  name: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' },
  role: { ...roleEnum, description: "At most the creator's role in the workspace; omitted: the creator's role." },
  expiresInDays: { type: 'integer', minimum: 1, maximum: MAX_EXPIRY_DAYS, description: 'Omit for a token that never expires.' },
} as const;
const personalBody = { type: 'object', additionalProperties: false, required: ['name', 'workspace'], properties: { ...tokenFields, workspace: { type: 'string', minLength: 1, maxLength: 64 } } } as const;
const workspaceBody = { type: 'object', additionalProperties: false, required: ['name'], properties: tokenFields } as const;
const idParam = (name: string, withWorkspace: boolean) => ({
  type: 'object',
  additionalProperties: false,
  required: withWorkspace ? ['workspace', name] : [name],
  properties: { ...(withWorkspace ? { workspace: { type: 'string', minLength: 1, maxLength: 64 } } : {}), [name]: { type: 'string', minLength: 1, maxLength: 64 } },
});
const workspaceParams = { type: 'object', additionalProperties: false, required: ['workspace'], properties: { workspace: { type: 'string', minLength: 1, maxLength: 64 } } } as const;

interface TokenInput {
  name: string;
  role?: Role;
  expiresInDays?: number;
}

export function registerTokenRoutes(app: FastifyInstance, identity: AdminIdentity): void {
  app.adminAuthorization.defineResource<ApiToken>('token', {
    load: async (id, workspaceId) => {
      const token = await identity.identity.findApiTokenById(id);
      return token?.workspaceId === workspaceId ? token : undefined;
    },
    // Owners see every token of the workspace; anyone else only their own (and manages it under /tokens).
    visibleTo: (membership, token, userId) => membership.role === 'owner' || token.userId === userId,
  });

  const view = (token: ApiToken, auth: AdminAuth) => ({
    ...token,
    workspace: auth.memberships.find((membership) => membership.workspace.id === token.workspaceId)?.workspace.slug ?? null,
    expiresAt: token.expiresAt ?? null,
    lastUsedAt: token.lastUsedAt ?? null,
  });

  async function create(request: FastifyRequest, membership: Membership, input: TokenInput, scope: ApiTokenScope) {
    const auth = requireAuth(request);
    if (auth.credential.kind !== 'session') throw new SluiceError('forbidden', 'API tokens are created from a password session, not with another token.');
    const role = input.role ?? membership.role;
    if (lesserRole(role, membership.role) !== role) {
      throw new SluiceError('forbidden', `Your role "${membership.role}" cannot grant a token the role "${role}".`);
    }
    if (!auth.credential.mfaVerified && (await app.adminAuthorization.requiresMfa(membership.workspace.id))) throw new SluiceError('mfa_required');
    const secret = newApiToken();
    const now = identity.now();
    const token = await identity.audit.atomically(async () => {
      const created = await identity.identity.createApiToken({
        userId: auth.user.id,
        workspaceId: membership.workspace.id,
        name: input.name,
        role,
        scope,
        tokenHash: hashSessionToken(secret),
        expiresAt: input.expiresInDays === undefined ? undefined : new Date(now.getTime() + input.expiresInDays * 86_400_000),
      });
      await identity.audit.record({
        workspaceId: created.workspaceId,
        actor: auth,
        action: 'token.create',
        resource: { type: 'token', id: created.id },
        after: { name: created.name, role: created.role, scope, userId: created.userId, expiresAt: created.expiresAt ?? null },
        ip: identity.clientAddress(request),
      });
      return created;
    });
    request.log.info({ userId: auth.user.id, tokenId: token.id, workspaceId: token.workspaceId }, 'API token created');
    return { ...view(token, auth), token: secret };
  }

  async function revoke(request: FastifyRequest, token: ApiToken) {
    const auth = requireAuth(request);
    await identity.audit.atomically(async () => {
      await identity.identity.deleteApiToken(token.id);
      await identity.audit.record({
        workspaceId: token.workspaceId,
        actor: auth,
        action: 'token.revoke',
        resource: { type: 'token', id: token.id },
        before: { name: token.name, role: token.role, scope: token.scope, userId: token.userId },
        ip: identity.clientAddress(request),
      });
    });
    request.log.info({ userId: auth.user.id, tokenId: token.id }, 'API token revoked');
    return { success: true };
  }

  const personal = { access: { workspace: false } } as const;

  app.get('/tokens', { schema: summaryOnly('Your API tokens (never the token itself)'), config: personal }, async (request) => {
    const auth = requireAuth(request);
    return { tokens: (await identity.identity.listApiTokens({ userId: auth.user.id })).map((token) => view(token, auth)) };
  });

  app.post('/tokens', { schema: { summary: 'Create a personal API token for one workspace (shown once)', body: personalBody }, config: personal }, async (request, reply) => {
    const body = request.body as TokenInput & { workspace: string };
    const membership = membershipIn(requireAuth(request), body.workspace);
    if (!mayIn(membership, 'tokens:own')) throw new SluiceError('forbidden');
    reply.code(201).header('cache-control', 'no-store');
    return create(request, membership, body, 'personal');
  });

  app.delete('/tokens/:id', { schema: { summary: 'Revoke one of your API tokens', params: idParam('id', false) }, config: personal }, async (request) => {
    const auth = requireAuth(request);
    const { id } = request.params as { id: string };
    const token = await identity.identity.findApiTokenById(id);
    if (!token || token.userId !== auth.user.id) throw new SluiceError('not_found', `No API token "${id}".`);
    return revoke(request, token);
  });

  const workspaceAccess = { access: { workspace: true, permission: 'tokens:workspace' } } as const;

  app.get('/workspaces/:workspace/tokens', { schema: { summary: "Every API token of the workspace (owners)", params: workspaceParams }, config: workspaceAccess }, async (request) => {
    const auth = requireAuth(request);
    const tokens = await identity.identity.listApiTokens({ workspaceId: authorizedMembership(request).workspace.id });
    return { tokens: tokens.map((token) => view(token, auth)) };
  });

  app.post('/workspaces/:workspace/tokens', { schema: { summary: 'Create a workspace API token for automation (owners; shown once)', params: workspaceParams, body: workspaceBody }, config: workspaceAccess }, async (request, reply) => {
    reply.code(201).header('cache-control', 'no-store');
    return create(request, authorizedMembership(request), request.body as TokenInput, 'workspace');
  });

  app.delete(
    '/workspaces/:workspace/tokens/:tokenId',
    { schema: { summary: "Revoke any of the workspace's API tokens (owners)", params: idParam('tokenId', true) }, config: { access: { workspace: true, permission: 'tokens:workspace', resource: { type: 'token', idParam: 'tokenId' } } } },
    async (request) => revoke(request, authorizedResource<ApiToken>(request)),
  );
}
