/**
 * Every workspace-scoped admin route group in one registration: workspaces, sources, destinations,
 * members, audit log. Builds the control-plane stores on the shared database, registers the resource
 * resolvers the authorization layer needs, and hands each group the audit recorder.
 *
 * Wiring (src/delivery/server-extensions.ts): `adminApiRoutes({ store, database, destinations, types, manager })`
 * in place of `destinationRoutes(...)`.
 */
import type { ControlDatabase } from '../control/database.js';
import type { MetadataStore } from '../control/index.js';
import { SqlMembershipStore } from '../control/membership-store.js';
import { SqlAuditStore } from '../control/audit-store.js';
import { SqlWorkspaceAdminStore } from '../control/workspace-admin-store.js';
import type { DeliveryManager } from '../delivery/delivery-manager.js';
import type { DestinationTypes } from '../delivery/destination-types.js';
import type { DestinationStore } from '../delivery/stores.js';
import { AuditRecorder, type SecretSettingsOf } from './audit-recorder.js';
import { auditRoutes } from './audit.js';
import { destinationResolver, registerDestinationRoutes } from './destinations.js';
import type { AdminRoutes } from './index.js';
import { memberResolver, memberRoutes } from './members.js';
import { sourceResolver, sourceRoutes } from './sources.js';
import { workspaceRoutes } from './workspaces.js';

export interface AdminApiDeps {
  readonly store: MetadataStore;
  readonly database: ControlDatabase;
  readonly destinations: DestinationStore;
  readonly types: DestinationTypes;
  readonly manager: DeliveryManager;
  /** The recorder to use (one per server, shared with the identity routes); built on `database` if absent. */
  readonly audit?: AuditRecorder;
}

/** The types' secret settings, or undefined for an unknown type (the recorder then masks every setting). */
export const secretSettingsOfTypes =
  (types: DestinationTypes): SecretSettingsOf =>
  (type) => {
    try {
      return types.secretSettings(type);
    } catch {
      return undefined;
    }
  };

export function adminApiRoutes(deps: AdminApiDeps): AdminRoutes {
  const auditStore = new SqlAuditStore(deps.database);
  const audit = deps.audit ?? new AuditRecorder(auditStore, secretSettingsOfTypes(deps.types));
  const members = new SqlMembershipStore(deps.database);
  const workspaces = new SqlWorkspaceAdminStore(deps.database);
  return (app) => {
    app.adminAuthorization.defineResource('source', sourceResolver(deps.store));
    app.adminAuthorization.defineResource('destination', destinationResolver(deps.destinations));
    app.adminAuthorization.defineResource('member', memberResolver(members));
    workspaceRoutes(app, { store: deps.store, workspaces, audit });
    sourceRoutes(app, { store: deps.store, destinations: deps.destinations, manager: deps.manager, audit });
    registerDestinationRoutes(app, { store: deps.store, destinations: deps.destinations, types: deps.types, manager: deps.manager, audit });
    memberRoutes(app, { store: deps.store, members, audit });
    auditRoutes(app, { audit: auditStore });
  };
}
