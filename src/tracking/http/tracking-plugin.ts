/**
 * The Tracking API as one encapsulated Fastify plugin (STYLE 9): everything lives under `/v1` in its
 * own context, with its own body parsing, CORS (any origin, preflight answered), error handler and
 * 404. Register it with `app.register(trackingRoutes, options)`; it never touches the parent context.
 */
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import { installErrorHandling } from '../../errors/http-error-handler.js';
import { metricsRoute, registerEventRoutes } from './event-routes.js';
import { resolveTrackingOptions, type TrackingOptions } from './options.js';
import { registerSettingsRoute } from './settings-route.js';

export async function trackingRoutes(app: FastifyInstance, options: TrackingOptions): Promise<void> {
  const resolved = resolveTrackingOptions(options);
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
      });
      await v1.register(async (events) => registerEventRoutes(events, resolved));
      await v1.register(metricsRoute, { maxRequestBytes: resolved.limits.maxRequestBytes });
      registerSettingsRoute(v1, resolved);
    },
    { prefix: '/v1' },
  );
}
