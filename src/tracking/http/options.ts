/**
 * The options of the Tracking API plugin and their defaults (DESIGN B2). The server (src/server.ts)
 * builds these from its configuration; nothing here reads the environment.
 */
import { randomUUID } from 'node:crypto';
import type { ResourceLimits } from 'node:worker_threads';
import type { EventLog } from '../../log/event-log.js';
import type { SourceDirectory } from '../source-directory.js';

export interface TrackingLimits {
  /** Per event, as the client sent it (serialized JSON bytes). Default 32 KiB. */
  readonly maxEventBytes: number;
  /** Per request body, after decompression. Default 500 KiB. */
  readonly maxRequestBytes: number;
  /** Events per batch request. Default 2,500. */
  readonly maxBatchEvents: number;
}

export const defaultTrackingLimits: TrackingLimits = {
  maxEventBytes: 32 * 1024,
  maxRequestBytes: 500 * 1024,
  maxBatchEvents: 2_500,
};

/** Optional per-source token bucket, counted in requests. Off when absent. */
export interface RateLimitOptions {
  /** Sustained requests per second per source. */
  readonly requestsPerSecond: number;
  /** Bucket size (burst); defaults to `requestsPerSecond`. */
  readonly burst?: number;
}

export interface TrackingOptions {
  readonly log: EventLog;
  readonly sources: SourceDirectory;
  readonly limits?: Partial<TrackingLimits>;
  /** Take the client address from X-Forwarded-For (SLUICE_TRUST_PROXY). Default false. */
  readonly trustProxy?: boolean;
  /** Public base URL (SLUICE_PUBLIC_URL) advertised by the settings endpoint; else the request's Host. */
  readonly publicUrl?: string;
  readonly rateLimit?: RateLimitOptions;
  /** Clock, ms since the epoch (tests inject a fixed one). */
  readonly now?: () => number;
  /**
   * messageId generator for events that come without one. Batches ingested on a worker use
   * randomUUID there (a function cannot cross to a thread).
   */
  readonly newMessageId?: () => string;
  /** Batch ingest on worker threads (ingest-pool.ts); absent or `workers: 0` keeps all work inline. */
  readonly ingestPool?: IngestPoolSettings;
  /** messageId deduplication (`dedup/`): ids remembered across sources; absent or 0 turns it off. */
  readonly dedupWindow?: number;
  /**
   * Told of the read-back of recent messageIds of every stream already in the log, started at once
   * when the routes register. The server holds delivery back until it settles: delivering and
   * deleting segments first could remove ids a retrying client's repeat must be matched against.
   */
  readonly onDedupSeeding?: (seeding: Promise<void>) => void;
}

export interface IngestPoolSettings {
  /** Worker threads; 0 disables the pool. */
  readonly workers: number;
  /** Batch bodies at least this large go to a worker. Default 16 KiB. */
  readonly minBodyBytes?: number;
  /** Jobs queued or running per worker before the main thread ingests inline. Default 32. */
  readonly maxJobsPerWorker?: number;
  /** Worker entry override (tests inject faulty workers). */
  readonly entry?: URL;
  /** V8 heap limits of each worker (default: ingest-pool.ts `defaultWorkerLimits`). */
  readonly resourceLimits?: ResourceLimits;
}

/**
 * Measured (realistic ~400 B events, one worker): a pooled request costs the main thread ~30–40 µs
 * (post, reply, views) and adds ~100 µs of round trip; inline ingest costs ~5 µs per event. The main
 * thread breaks even near 2–4 KiB; at 16 KiB (~40 events) it saves ~4× its overhead, so smaller
 * bodies (single events, analytics.js flushes) keep the lower latency and total CPU of inline work.
 */
export const defaultPoolMinBodyBytes = 16 * 1024;

export interface ResolvedTrackingOptions {
  readonly log: EventLog;
  readonly sources: SourceDirectory;
  readonly limits: TrackingLimits;
  readonly trustProxy: boolean;
  readonly publicUrl: URL | undefined;
  readonly rateLimit: RateLimitOptions | undefined;
  readonly now: () => number;
  readonly newMessageId: () => string;
  readonly ingestPool: IngestPoolSettings | undefined;
  readonly dedupWindow: number;
  readonly onDedupSeeding: ((seeding: Promise<void>) => void) | undefined;
}

export function resolveTrackingOptions(options: TrackingOptions): ResolvedTrackingOptions {
  const limits = { ...defaultTrackingLimits, ...definedOnly(options.limits ?? {}) };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`Tracking limit ${name} must be a positive integer (got ${value}).`);
  }
  if (options.rateLimit && !(options.rateLimit.requestsPerSecond > 0)) {
    throw new TypeError('rateLimit.requestsPerSecond must be positive.');
  }
  return {
    log: options.log,
    sources: options.sources,
    limits,
    trustProxy: options.trustProxy ?? false,
    publicUrl: options.publicUrl === undefined ? undefined : new URL(options.publicUrl),
    rateLimit: options.rateLimit,
    now: options.now ?? Date.now,
    newMessageId: options.newMessageId ?? randomUUID,
    ingestPool: options.ingestPool && options.ingestPool.workers > 0 ? options.ingestPool : undefined,
    dedupWindow: options.dedupWindow ?? 0,
    onDedupSeeding: options.onDedupSeeding,
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
