/**
 * `GET /workspaces/:workspace/audit-log` (DESIGN B4): who changed what, when, from which address,
 * newest first, filterable by resource and actor, paged with `before` (the last entry id seen). Read
 * only: the log has no update or delete route.
 */
import type { FastifyInstance } from 'fastify';
import type { AuditStore } from '../control/audit-store.js';
import { authorizedMembership } from './authorization/index.js';
import { idString, MAX_ID, object, workspaceParams, type Schema } from './openapi-schemas.js';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 500;

const actorSchema = object(
  {
    kind: { type: 'string', enum: ['user', 'api_token', 'cli', 'system'] },
    userId: { type: ['string', 'null'] },
    email: { type: ['string', 'null'] },
    tokenId: { type: ['string', 'null'] },
  },
  ['kind', 'userId', 'email', 'tokenId'],
);
const anyJson: Schema = {};
const entrySchema = object(
  {
    id: { type: 'string' },
    at: { type: 'string' },
    actor: actorSchema,
    action: { type: 'string' },
    resource: object({ type: { type: 'string' }, id: { type: 'string' } }, ['type', 'id']),
    before: anyJson,
    after: anyJson,
    ip: { type: ['string', 'null'] },
  },
  ['id', 'at', 'actor', 'action', 'resource', 'before', 'after', 'ip'],
);

interface AuditQuery {
  resourceType?: string;
  resourceId?: string;
  actor?: string;
  limit?: number;
  before?: string;
}

export function auditRoutes(app: FastifyInstance, deps: { audit: AuditStore }): void {
  app.get(
    '/workspaces/:workspace/audit-log',
    {
      config: { access: { workspace: true, permission: 'audit:read' } },
      schema: {
        summary: 'The workspace audit log, newest first',
        params: workspaceParams,
        querystring: object({
          resourceType: { type: 'string', minLength: 1, maxLength: 40 },
          resourceId: idString,
          actor: { type: 'string', minLength: 1, maxLength: MAX_ID },
          limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT },
          before: idString,
        }),
        response: { 200: object({ entries: { type: 'array', items: entrySchema }, next: { type: ['string', 'null'] } }, ['entries', 'next']) },
      },
    },
    async (request) => {
      const query = request.query as AuditQuery;
      const limit = query.limit ?? DEFAULT_LIMIT;
      const entries = await deps.audit.list({
        workspaceId: authorizedMembership(request).workspace.id,
        limit,
        ...(query.resourceType === undefined ? {} : { resourceType: query.resourceType }),
        ...(query.resourceId === undefined ? {} : { resourceId: query.resourceId }),
        ...(query.actor === undefined ? {} : { actor: query.actor }),
        ...(query.before === undefined ? {} : { before: query.before }),
      });
      return { entries, next: entries.length === limit ? entries[entries.length - 1]!.id : null };
    },
  );
}
