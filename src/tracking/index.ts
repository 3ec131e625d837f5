/**
 * Public API of the Tracking module: the Tracking API plugin, the health plugin, and the pure core for
 * whoever needs the event model (bench, tests, future ingestion paths).
 */
export { trackingRoutes } from './http/tracking-plugin.js';
export { healthRoutes, type HealthOptions, type ReadinessCheck } from './http/health-plugin.js';
export { defaultTrackingLimits, type TrackingOptions, type TrackingLimits, type RateLimitOptions } from './http/options.js';
export type { SourceDirectory, TrackedSource } from './source-directory.js';
export * as trackingCore from './core/index.js';
