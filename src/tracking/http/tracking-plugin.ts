/**
 * The Tracking API as one encapsulated Fastify plugin (STYLE 9): everything lives under `/v1` in its
 * own context, with its own body parsing, CORS (any origin, preflight answered), error handler and
 * 404. Register it with `app.register(trackingRoutes, options)`; it never touches the parent context.
 */
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import { installErrorHandling } from '../../errors/http-error-handler.js';
import { metricsRoute, registerEventRoutes } from './event-routes.js';
import { IngestPool } from './ingest-pool.js';
import { defaultPoolMinBodyBytes, resolveTrackingOptions, type TrackingOptions } from './options.js';
import { registerSettingsRoute } from './settings-route.js';

export async function trackingRoutes(app: FastifyInstance, options: TrackingOptions): Promise<void> {
  const resolved = resolveTrackingOptions(options);
  const poolSettings = resolved.ingestPool;
  const pool = poolSettings
    ? new IngestPool({
        workers: poolSettings.workers,
        ...(poolSettings.maxJobsPerWorker === undefined ? {} : { maxJobsPerWorker: poolSettings.maxJobsPerWorker }),
        ...(poolSettings.entry === undefined ? {} : { entry: poolSettings.entry }),
        ...(poolSettings.resourceLimits === undefined ? {} : { resourceLimits: poolSettings.resourceLimits }),
        onWorkerExit: (error) => app.log.error({ err: error }, 'ingest worker died; replaced'),
      })
    : undefined;
  // onClose runs once the listener has stopped and in-flight requests are answered; close() also
  // waits for any job still in flight before terminating the workers.
  if (pool) app.addHook('onClose', () => pool.close());
  const routing = pool ? { pool, minBodyBytes: poolSettings?.minBodyBytes ?? defaultPoolMinBodyBytes } : undefined;
  await app.register(
    async (v1) => {
      installErrorHandling(v1, { requestErrorCode: 'bad_request', logMessage: 'tracking request failed' });
      await v1.register(cors, {
        origin: '*',
        methods: ['GET', 'POST', 'OPTIONS'],
        // No allowedHeaders: the preflight's Access-Control-Request-Headers are reflected, so custom
        // headers a site configures in analytics-next keep working.
        // analytics-next reads its 429 back-off from X-RateLimit-Reset; cross-origin it must be exposed.
        exposedHeaders: ['Retry-After', 'X-RateLimit-Reset'],
        maxAge: 86_400,
        // A bare OPTIONS (no Origin / Access-Control-Request-Method) gets the same 204 as a preflight,
        // not the plugin's text/plain 400 without a code (found by the fuzz suite, src/fuzz/).
        strictPreflight: false,
      });
      await v1.register(async (events) => registerEventRoutes(events, resolved, routing));
      await v1.register(metricsRoute, { maxRequestBytes: resolved.limits.maxRequestBytes });
      registerSettingsRoute(v1, resolved);
    },
    { prefix: '/v1' },
  );
}
