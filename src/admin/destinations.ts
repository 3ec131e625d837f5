/**
 * The destinations admin API (DESIGN B4) under /workspaces/:workspace/destinations: list, create, read,
 * change, delete, flush, status. Access is declared per route and enforced by the authorization layer
 * (a collaborator sees only destinations connected only to its sources; the rest is a 404). Every
 * change is written to the store first, then the DeliveryManager reacts, then the audit log records it
 * (secrets masked); settings are validated by the type's schema before anything is stored.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Membership, MetadataStore } from '../control/index.js';
import type { DeliveryManager } from '../delivery/delivery-manager.js';
import type { DestinationTypes } from '../delivery/destination-types.js';
import type { DestinationRecord, DestinationStore } from '../delivery/stores.js';
import { SluiceError } from '../errors/index.js';
import { requireAuth } from './auth-guard.js';
import type { AuditRecorder } from './audit-recorder.js';
import { authorizedMembership, authorizedResource, destinationVisible, sourceVisible, type ResourceResolver } from './authorization/index.js';
import { destinationJson, mergeSettings, readCreateRequest, readPatchRequest, withoutMasks } from './destinations-json.js';
import { createBody, destinationSchema, flushSchema, invalidDestinationCodes, patchBody, statusSchema } from './destinations-schemas.js';
import type { AdminRoutes } from './index.js';
import { emptyBody, object, workspaceIdParams, workspaceParams } from './openapi-schemas.js';

export interface DestinationRouteDeps {
  readonly store: MetadataStore;
  readonly destinations: DestinationStore;
  readonly types: DestinationTypes;
  readonly manager: DeliveryManager;
  /** Without one (older wiring, tests of delivery alone), changes are not audited. */
  readonly audit?: AuditRecorder;
}

export const destinationResolver = (destinations: DestinationStore): ResourceResolver<DestinationRecord> => ({
  load: async (id, workspaceId) => {
    const record = await destinations.getDestination(id);
    return record?.workspaceId === workspaceId ? record : undefined;
  },
  visibleTo: (membership, record) => destinationVisible(membership, record.sourceIds),
});

/** Registers the destination resolver and routes; for wiring that has no other admin routes. */
export function destinationRoutes(deps: DestinationRouteDeps): AdminRoutes {
  return (app) => {
    app.adminAuthorization.defineResource('destination', destinationResolver(deps.destinations));
    registerDestinationRoutes(app, deps);
  };
}

export function registerDestinationRoutes(app: FastifyInstance, deps: DestinationRouteDeps): void {
  const { store, destinations, types, manager, audit } = deps;
  const base = '/workspaces/:workspace/destinations';
  const one = { type: 'destination', idParam: 'id' } as const;
  /** A change and its audit entry as one transaction (without an audit log, just the change). */
  const atomically = <T>(work: () => Promise<T>): Promise<T> => (audit ? audit.atomically(work) : work());
  const record = async (request: FastifyRequest, action: string, id: string, change: { before?: DestinationRecord; after?: DestinationRecord }) => {
    if (!audit) return;
    await audit.record({
      workspaceId: authorizedMembership(request).workspace.id,
      actor: requireAuth(request),
      action,
      resource: { type: 'destination', id },
      ...(change.before ? { before: destinationJson(change.before, types) } : {}),
      ...(change.after ? { after: destinationJson(change.after, types) } : {}),
      ip: request.ip,
    });
  };

  /** Every source id must be a source of this workspace that the caller may see; a collaborator's destination needs one of its own. */
  const checkSources = async (membership: Membership, sourceIds: readonly string[]) => {
    for (const sourceId of sourceIds) {
      const source = await store.findSource(sourceId);
      if (!source || source.workspaceId !== membership.workspace.id) throw new SluiceError('unknown_source', `No source "${sourceId}" in this workspace.`);
    }
    if (!destinationVisible(membership, sourceIds) || !sourceIds.every((sourceId) => sourceVisible(membership, sourceId))) {
      throw new SluiceError('forbidden', 'Your role does not allow connecting a destination to these sources.');
    }
  };
  const read = { workspace: true, permission: 'destinations:read' } as const;
  const write = { workspace: true, permission: 'destinations:write' } as const;

  app.get(
    base,
    { config: { access: read }, schema: { summary: 'List destinations', params: workspaceParams, response: { 200: object({ destinations: { type: 'array', items: destinationSchema } }, ['destinations']) } } },
    async (request) => {
      const membership = authorizedMembership(request);
      const records = await destinations.listDestinations(membership.workspace.id);
      return { destinations: records.filter((candidate) => destinationVisible(membership, candidate.sourceIds)).map((candidate) => destinationJson(candidate, types)) };
    },
  );

  app.post(
    base,
    {
      config: { access: write, invalidRequestCode: invalidDestinationCodes },
      schema: { summary: 'Create a destination', params: workspaceParams, body: createBody, response: { 201: destinationSchema } },
    },
    async (request, reply) => {
      const membership = authorizedMembership(request);
      const input = readCreateRequest(request.body);
      if (!types.names().includes(input.type)) {
        throw new SluiceError('unknown_destination_type', `No destination type "${input.type}" (known: ${types.names().join(', ')}).`);
      }
      const given = withoutMasks(input.settings, types.secretSettings(input.type));
      const settings = storedSettings(given, types.validate(input.type, given));
      await checkSources(membership, input.sourceIds);
      const created = await atomically(async () => {
        const destination = await destinations.createDestination({ workspaceId: membership.workspace.id, ...input, settings });
        await record(request, 'destination.create', destination.id, { after: destination });
        return destination;
      });
      // Delivery starts on what has committed.
      await manager.destinationChanged(created.id);
      return reply.code(201).send(destinationJson(created, types));
    },
  );

  app.get(
    `${base}/:id`,
    { config: { access: { ...read, resource: one } }, schema: { summary: 'Read a destination (secrets masked)', params: workspaceIdParams('id'), response: { 200: destinationSchema } } },
    async (request) => destinationJson(authorizedResource<DestinationRecord>(request), types),
  );

  app.patch(
    `${base}/:id`,
    {
      config: { access: { ...write, resource: one }, invalidRequestCode: invalidDestinationCodes },
      schema: { summary: 'Change a destination', params: workspaceIdParams('id'), body: patchBody, response: { 200: destinationSchema } },
    },
    async (request) => {
      const membership = authorizedMembership(request);
      const current = authorizedResource<DestinationRecord>(request);
      const patch = readPatchRequest(request.body);
      const secrets = types.secretSettings(current.type);
      let settings: Record<string, unknown> | undefined;
      if (patch.settings !== undefined) {
        const merged = mergeSettings(current.settings, patch.settings, secrets);
        settings = storedSettings(merged, types.validate(current.type, merged));
      }
      if (patch.sourceIds !== undefined) await checkSources(membership, patch.sourceIds);
      const updated = await atomically(async () => {
        const changed = await destinations.updateDestination(current.id, { ...patch, ...(settings ? { settings } : {}) });
        if (!changed) throw new SluiceError('not_found', `No destination "${current.id}".`);
        await record(request, 'destination.update', current.id, { before: current, after: changed });
        return changed;
      });
      await manager.destinationChanged(updated.id, current.sourceIds);
      return destinationJson(updated, types);
    },
  );

  app.delete(
    `${base}/:id`,
    { config: { access: { ...write, resource: one } }, schema: { summary: 'Delete a destination', params: workspaceIdParams('id'), response: { 204: { type: 'null' } } } },
    async (request, reply) => {
      const current = authorizedResource<DestinationRecord>(request);
      await atomically(async () => {
        await destinations.deleteDestination(current.id);
        await record(request, 'destination.delete', current.id, { before: current });
      });
      await manager.destinationDeleted(current.id, current.sourceIds);
      return reply.code(204).send();
    },
  );

  app.post(
    `${base}/:id/flush`,
    {
      config: { access: { ...write, resource: one } },
      schema: { summary: 'Deliver every pending batch now; returns the objects written', params: workspaceIdParams('id'), body: emptyBody, response: { 200: flushSchema } },
    },
    async (request) => {
      const objects = await manager.flush(authorizedResource<DestinationRecord>(request).id);
      return { objects: objects.map((object) => ({ key: object.key, events: object.events, bytes: object.bytes })) };
    },
  );

  app.get(
    `${base}/:id/status`,
    { config: { access: { ...read, resource: one } }, schema: { summary: 'Pending events and bytes, last delivery, last error', params: workspaceIdParams('id'), response: { 200: statusSchema } } },
    async (request) => {
      const current = authorizedResource<DestinationRecord>(request);
      const status = await manager.status(current.id);
      if (!status) throw new SluiceError('not_found', `No destination "${current.id}".`);
      return status;
    },
  );
}

/**
 * What is stored: the settings as the user gave them, checked by `validate` (defaults are not frozen
 * in, so a later default change applies), keeping the normalized form of each given key.
 */
function storedSettings(given: Readonly<Record<string, unknown>>, validated: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const stored: Record<string, unknown> = {};
  for (const name of Object.keys(given)) {
    if (given[name] === null || given[name] === undefined) continue;
    stored[name] = validated[name] ?? given[name];
  }
  return stored;
}
