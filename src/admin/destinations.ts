/**
 * The destinations admin API (DESIGN B4) under /workspaces/:workspace/destinations: list, create, read,
 * change, delete, flush, status. Registered into the admin plugin behind its auth guard.
 *
 * Access (until full RBAC): owners change everything; read_only members read everything; a
 * source_collaborator reads and changes only destinations connected only to their sources. What a
 * caller may not see is a 404. Every change is written to the store first, then the DeliveryManager
 * reacts; settings are validated by the type's schema before anything is stored.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Membership, MetadataStore } from '../control/index.js';
import type { DeliveryManager } from '../delivery/delivery-manager.js';
import type { DestinationTypes } from '../delivery/destination-types.js';
import type { DestinationStore } from '../delivery/stores.js';
import { SluiceError } from '../errors/index.js';
import { membershipIn, requireAuth, type AdminRoutes } from './index.js';
import { destinationJson, mergeSettings, readCreateRequest, readPatchRequest, withoutMasks } from './destinations-json.js';

export interface DestinationRouteDeps {
  readonly store: MetadataStore;
  readonly destinations: DestinationStore;
  readonly types: DestinationTypes;
  readonly manager: DeliveryManager;
}

type Access = 'none' | 'read' | 'write';

function accessTo(membership: Membership, sourceIds: readonly string[]): Access {
  if (membership.role === 'owner') return 'write';
  if (membership.role === 'read_only') return 'read';
  const own = new Set(membership.sourceIds);
  return sourceIds.length > 0 && sourceIds.every((sourceId) => own.has(sourceId)) ? 'write' : 'none';
}

interface Params {
  workspace: string;
  id?: string;
}

export function destinationRoutes(deps: DestinationRouteDeps): AdminRoutes {
  const { store, destinations, types, manager } = deps;

  /** The caller's membership, and the destination when an id is given, or a 404/403. */
  const resolve = async (request: FastifyRequest, needed: Access) => {
    const params = request.params as Params;
    const membership = membershipIn(requireAuth(request), params.workspace);
    if (params.id === undefined) {
      if (needed === 'write' && membership.role === 'read_only') throw new SluiceError('forbidden');
      return { membership, record: undefined };
    }
    const record = await destinations.getDestination(params.id);
    const access = record && record.workspaceId === membership.workspace.id ? accessTo(membership, record.sourceIds) : 'none';
    if (!record || access === 'none') throw new SluiceError('not_found', `No destination "${params.id}" in workspace "${params.workspace}".`);
    if (needed === 'write' && access !== 'write') throw new SluiceError('forbidden');
    return { membership, record };
  };

  /** Every source id must be a source of this workspace that the caller may change. */
  const checkSources = async (membership: Membership, sourceIds: readonly string[]) => {
    for (const sourceId of sourceIds) {
      const source = await store.findSource(sourceId);
      if (!source || source.workspaceId !== membership.workspace.id) throw new SluiceError('unknown_source', `No source "${sourceId}" in this workspace.`);
    }
    if (accessTo(membership, sourceIds) !== 'write') throw new SluiceError('forbidden', 'Your role does not allow connecting a destination to these sources.');
  };

  return (app: FastifyInstance) => {
    const base = '/workspaces/:workspace/destinations';

    app.get(base, async (request) => {
      const { membership } = await resolve(request, 'read');
      const records = await destinations.listDestinations(membership.workspace.id);
      return { destinations: records.filter((record) => accessTo(membership, record.sourceIds) !== 'none').map((record) => destinationJson(record, types)) };
    });

    app.post(base, async (request, reply) => {
      const { membership } = await resolve(request, 'write');
      const input = readCreateRequest(request.body);
      if (!types.names().includes(input.type)) {
        throw new SluiceError('unknown_destination_type', `No destination type "${input.type}" (known: ${types.names().join(', ')}).`);
      }
      const given = withoutMasks(input.settings, types.secretSettings(input.type));
      const settings = storedSettings(given, types.validate(input.type, given));
      await checkSources(membership, input.sourceIds);
      const record = await destinations.createDestination({ workspaceId: membership.workspace.id, ...input, settings });
      await manager.destinationChanged(record.id);
      return reply.code(201).send(destinationJson(record, types));
    });

    app.get(`${base}/:id`, async (request) => {
      const { record } = await resolve(request, 'read');
      return destinationJson(record!, types);
    });

    app.patch(`${base}/:id`, async (request) => {
      const { membership, record } = await resolve(request, 'write');
      const patch = readPatchRequest(request.body);
      const secrets = types.secretSettings(record!.type);
      let settings: Record<string, unknown> | undefined;
      if (patch.settings !== undefined) {
        const merged = mergeSettings(record!.settings, patch.settings, secrets);
        settings = storedSettings(merged, types.validate(record!.type, merged));
      }
      if (patch.sourceIds !== undefined) await checkSources(membership, patch.sourceIds);
      const updated = await destinations.updateDestination(record!.id, { ...patch, ...(settings ? { settings } : {}) });
      if (!updated) throw new SluiceError('not_found', `No destination "${record!.id}".`);
      await manager.destinationChanged(updated.id, record!.sourceIds);
      return destinationJson(updated, types);
    });

    app.delete(`${base}/:id`, async (request, reply) => {
      const { record } = await resolve(request, 'write');
      await destinations.deleteDestination(record!.id);
      await manager.destinationDeleted(record!.id, record!.sourceIds);
      return reply.code(204).send();
    });

    app.post(`${base}/:id/flush`, async (request) => {
      const { record } = await resolve(request, 'write');
      const objects = await manager.flush(record!.id);
      return { objects: objects.map((object) => ({ key: object.key, events: object.events, bytes: object.bytes })) };
    });

    app.get(`${base}/:id/status`, async (request) => {
      const { record } = await resolve(request, 'read');
      const status = await manager.status(record!.id);
      if (!status) throw new SluiceError('not_found', `No destination "${record!.id}".`);
      return status;
    });
  };
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
