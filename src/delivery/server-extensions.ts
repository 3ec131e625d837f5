/**
 * Plugs delivery into `startServer` (src/server.ts `ServerExtensions`): the first-start `local-files`
 * destination, the destinations admin routes, and the background DeliveryManager. A composition root:
 * the only delivery module that knows the control plane's and the admin API's concrete classes.
 *
 * Usage in server.ts: `builtInExtensions = deliveryExtensions()` (or merge its arrays with others').
 */
import { join, resolve } from 'node:path';
import { adminApiRoutes } from '../admin/workspaces-api.js';
import { SqlBatchStore } from '../control/batch-store.js';
import type { BootstrapStep } from '../control/bootstrap.js';
import { SqlDestinationStore } from '../control/destination-store.js';
import { defaultDeflateEngine } from '../destinations/gzip/chunked-gzip.js';
import type { BackgroundContext, ServerExtensions } from '../server.js';
import type { BackoffPolicy } from './backoff.js';
import { DeliveryManager } from './delivery-manager.js';
import type { DestinationTypes } from './destination-types.js';
import { faultHookFromEnv, type FaultHook } from './fault-hooks.js';
import { loadOrCreateNodeId } from './node-id.js';
import { registeredDestinationTypes } from './registry-adapter.js';

export interface DeliveryExtensionOptions {
  readonly types?: DestinationTypes;
  /** Default: from `SLUICE_DELIVERY_FAULT` (tests only; inert when unset). */
  readonly faultHook?: FaultHook | undefined;
  readonly backoff?: BackoffPolicy | undefined;
  /** Interval of the first-start local-files destination (DESIGN B1: 60 s). */
  readonly defaultFlushIntervalSeconds?: number;
}

interface Wired {
  readonly destinations: SqlDestinationStore;
  readonly manager: DeliveryManager;
}

export function deliveryExtensions(options: DeliveryExtensionOptions = {}): ServerExtensions {
  const types = options.types ?? registeredDestinationTypes;
  const faultHook = 'faultHook' in options ? options.faultHook : faultHookFromEnv();
  const wired = new WeakMap<BackgroundContext, Promise<Wired>>();
  // The bootstrap step sees only the MetadataStore, so it leaves the default destination to create
  // once the database handle is at hand (right after, in the same start-up, before anything listens).
  let firstStart: { workspaceId: string; sourceId: string; dataDir: string } | undefined;

  const bootstrapDefaultDestination: BootstrapStep = async (context) => {
    firstStart = { workspaceId: context.workspace.id, sourceId: context.source.id, dataDir: context.dataDir };
  };

  const wire = (context: BackgroundContext): Promise<Wired> => {
    let pending = wired.get(context);
    if (!pending) {
      pending = (async () => {
        const dataDir = resolve(context.config.dataDir);
        const destinations = new SqlDestinationStore(context.database);
        // Idempotent: a resumed first start (see control/bootstrap-journal.ts) may have created it already.
        if (firstStart && (await destinations.listDestinations(firstStart.workspaceId)).length === 0) {
          const settings = types.validate('local-files', { directory: join(firstStart.dataDir, 'bucket'), flushIntervalSeconds: options.defaultFlushIntervalSeconds ?? 60 });
          await destinations.createDestination({
            workspaceId: firstStart.workspaceId,
            type: 'local-files',
            name: 'Local files',
            settings: { directory: settings.directory, flushIntervalSeconds: settings.flushIntervalSeconds },
            enabled: true,
            sourceIds: [firstStart.sourceId],
          });
        }
        firstStart = undefined;
        const manager = new DeliveryManager({
          log: context.log,
          destinations,
          batches: new SqlBatchStore(context.database),
          types,
          nodeId: await loadOrCreateNodeId(dataDir),
          spoolDirectory: join(dataDir, 'spool'),
          logger: context.logger,
          faultHook,
          backoff: options.backoff,
        });
        return { destinations, manager };
      })();
      wired.set(context, pending);
    }
    return pending;
  };

  return {
    bootstrapSteps: [bootstrapDefaultDestination],
    adminRoutes: [
      (context) => async (app) => {
        const { destinations, manager } = await wire(context);
        // Every workspace route group (workspaces, sources, destinations, members, audit log) on the
        // authorization layer; source deletion reaches this manager.
        await adminApiRoutes({ store: context.store, database: context.database, destinations, types, manager })(app);
      },
    ],
    background: [
      async (context) => {
        const { manager } = await wire(context);
        // Which engine compresses objects depends on how `npm ci` built the addon: say so, and how to get the faster one.
        if (defaultDeflateEngine === 'libdeflate') context.logger.info({ deflate: 'libdeflate' }, 'delivery: objects compressed by libdeflate');
        else context.logger.info({ deflate: 'zlib' }, 'delivery: objects compressed by zlib; with libdeflate (install libdeflate-dev, then npm ci) flushes take ~15% less CPU and objects are ~2% smaller');
        await manager.start();
        return { stop: () => manager.stop() };
      },
    ],
  };
}
