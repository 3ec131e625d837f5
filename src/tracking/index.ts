/**
 * Public API of the Tracking module (DESIGN B2): the Tracking API plugin, the health plugin, and the
 * pure core for whoever needs the event model (bench, tests, future ingestion paths).
 *
 * Wiring (src/server.ts), each plugin an encapsulated sibling context (STYLE 9):
 *
 *   await app.register(trackingRoutes, {
 *     log,                       // EventLog (FileEventLog in `sluice serve`)
 *     sources,                   // SourceDirectory: synchronous write-key lookup (control-plane cache)
 *     limits: { maxEventBytes, maxRequestBytes, maxBatchEvents },   // optional; defaults 32 KiB / 500 KiB / 2,500
 *     trustProxy,                // SLUICE_TRUST_PROXY: context.ip from X-Forwarded-For, settings scheme from X-Forwarded-Proto
 *     publicUrl,                 // SLUICE_PUBLIC_URL, advertised by GET /v1/projects/:writeKey/settings
 *     rateLimit,                 // optional { requestsPerSecond, burst? } per source; off when absent
 *   });
 *   await app.register(healthRoutes, { checks: { log: () => log.isWritable(), metadata: () => db.ping() } });
 *
 * Everything the tracking plugin serves is under /v1 (its own 404, error handler, body parsing and
 * CORS); it adds nothing to the parent context, so the admin API can live beside it.
 */
export { trackingRoutes } from './http/tracking-plugin.js';
export { healthRoutes, type HealthOptions, type ReadinessCheck } from './http/health-plugin.js';
export { defaultTrackingLimits, type TrackingOptions, type TrackingLimits, type RateLimitOptions } from './http/options.js';
export type { SourceDirectory, TrackedSource } from './source-directory.js';
export * as trackingCore from './core/index.js';
