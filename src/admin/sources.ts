/**
 * The sources admin API (DESIGN B4) under /workspaces/:workspace/sources: list, create, read, rename
 * and enable/disable, delete, rotate the write key. Access is declared per route and enforced by the
 * authorization layer; a collaborator's list shows only its granted sources. The MetadataStore
 * refreshes the write-key cache on every change; deleting a source also tells the delivery manager,
 * whose destinations lose that source. Every change is audited.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MetadataStore, Source } from '../control/index.js';
import type { DestinationStore } from '../delivery/stores.js';
import { SluiceError } from '../errors/index.js';
import { requireAuth } from './auth-guard.js';
import type { AuditRecorder } from './audit-recorder.js';
import { authorizedMembership, authorizedResource, sourceVisible, type ResourceResolver } from './authorization/index.js';
import { emptyBody, nameString, object, timeString, workspaceIdParams, workspaceParams } from './openapi-schemas.js';

/** What source deletion needs of delivery: the destinations that lost a source re-plan their runners. */
export interface SourceDeletionListener {
  destinationChanged(id: string, previousSourceIds: readonly string[]): Promise<void>;
}

export interface SourceRouteDeps {
  readonly store: MetadataStore;
  readonly destinations: DestinationStore;
  readonly manager: SourceDeletionListener;
  readonly audit: AuditRecorder;
}

export const sourceSchema = object(
  { id: { type: 'string' }, name: { type: 'string' }, writeKey: { type: 'string' }, enabled: { type: 'boolean' }, createdAt: timeString },
  ['id', 'name', 'writeKey', 'enabled', 'createdAt'],
);

const sourceJson = (source: Source) => ({ id: source.id, name: source.name, writeKey: source.writeKey, enabled: source.enabled, createdAt: source.createdAt });

export const sourceResolver = (store: MetadataStore): ResourceResolver<Source> => ({
  load: async (id, workspaceId) => {
    const source = await store.findSource(id);
    return source?.workspaceId === workspaceId ? source : undefined;
  },
  visibleTo: (membership, source) => sourceVisible(membership, source.id),
});

export function sourceRoutes(app: FastifyInstance, deps: SourceRouteDeps): void {
  const { store, destinations, manager, audit } = deps;
  const base = '/workspaces/:workspace/sources';
  const one = { type: 'source', idParam: 'id' } as const;
  const record = (request: FastifyRequest, action: string, id: string, change: { before?: unknown; after?: unknown }) =>
    audit.record({ workspaceId: authorizedMembership(request).workspace.id, actor: requireAuth(request), action, resource: { type: 'source', id }, ...change, ip: request.ip });

  app.get(
    base,
    {
      config: { access: { workspace: true, permission: 'sources:read' } },
      schema: { summary: 'List sources', params: workspaceParams, response: { 200: object({ sources: { type: 'array', items: sourceSchema } }, ['sources']) } },
    },
    async (request) => {
      const membership = authorizedMembership(request);
      const sources = await store.listSources(membership.workspace.id);
      return { sources: sources.filter((source) => sourceVisible(membership, source.id)).map(sourceJson) };
    },
  );

  app.post(
    base,
    {
      config: { access: { workspace: true, permission: 'sources:create' } },
      schema: { summary: 'Create a source', params: workspaceParams, body: object({ name: nameString }, ['name']), response: { 201: sourceSchema } },
    },
    async (request, reply: FastifyReply) => {
      const { name } = request.body as { name: string };
      const source = await audit.atomically(async () => {
        const created = await store.createSource({ workspaceId: authorizedMembership(request).workspace.id, name: name.trim() });
        await record(request, 'source.create', created.id, { after: sourceJson(created) });
        return created;
      });
      return reply.code(201).send(sourceJson(source));
    },
  );

  app.get(
    `${base}/:id`,
    {
      config: { access: { workspace: true, permission: 'sources:read', resource: one } },
      schema: { summary: 'Read a source', params: workspaceIdParams('id'), response: { 200: sourceSchema } },
    },
    async (request) => sourceJson(authorizedResource<Source>(request)),
  );

  app.patch(
    `${base}/:id`,
    {
      config: { access: { workspace: true, permission: 'sources:write', resource: one } },
      schema: {
        summary: 'Rename, enable or disable a source',
        params: workspaceIdParams('id'),
        body: object({ name: nameString, enabled: { type: 'boolean' } }),
        response: { 200: sourceSchema },
      },
    },
    async (request) => {
      const before = authorizedResource<Source>(request);
      const body = request.body as { name?: string; enabled?: boolean };
      const updated = await audit.atomically(async () => {
        const changed = await store.updateSource(before.id, { ...(body.name === undefined ? {} : { name: body.name.trim() }), ...(body.enabled === undefined ? {} : { enabled: body.enabled }) });
        if (!changed) throw new SluiceError('not_found', `No source "${before.id}".`);
        await record(request, 'source.update', before.id, { before: sourceJson(before), after: sourceJson(changed) });
        return changed;
      });
      return sourceJson(updated);
    },
  );

  app.delete(
    `${base}/:id`,
    {
      config: { access: { workspace: true, permission: 'sources:delete', resource: one } },
      schema: { summary: 'Delete a source (its destinations lose it)', params: workspaceIdParams('id'), response: { 204: { type: 'null' } } },
    },
    async (request, reply) => {
      const source = authorizedResource<Source>(request);
      const connected = (await destinations.listDestinations(source.workspaceId)).filter((destination) => destination.sourceIds.includes(source.id));
      await audit.atomically(async () => {
        if (!(await store.deleteSource(source.id))) throw new SluiceError('not_found', `No source "${source.id}".`);
        await record(request, 'source.delete', source.id, { before: sourceJson(source) });
      });
      // Delivery hears of it once the deletion has committed.
      for (const destination of connected) await manager.destinationChanged(destination.id, destination.sourceIds);
      return reply.code(204).send();
    },
  );

  app.post(
    `${base}/:id/rotate-write-key`,
    {
      config: { access: { workspace: true, permission: 'sources:write', resource: one } },
      schema: { summary: 'Give the source a new write key (the old one stops at once)', params: workspaceIdParams('id'), body: emptyBody, response: { 200: sourceSchema } },
    },
    async (request) => {
      const before = authorizedResource<Source>(request);
      const rotated = await audit.atomically(async () => {
        const changed = await store.rotateWriteKey(before.id);
        if (!changed) throw new SluiceError('not_found', `No source "${before.id}".`);
        await record(request, 'source.rotate_write_key', before.id, { before: sourceJson(before), after: sourceJson(changed) });
        return changed;
      });
      return sourceJson(rotated);
    },
  );
}
