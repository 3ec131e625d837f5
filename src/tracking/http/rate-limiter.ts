/**
 * Optional per-source token bucket, counted in requests (off unless `rateLimit` is configured). A
 * refused request answers 429 `rate_limited` with Retry-After. Memory: one small entry per source.
 */
import type { RateLimitOptions } from './options.js';

interface Bucket {
  tokens: number;
  updatedAtMs: number;
}

export class SourceRateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #ratePerMs: number;
  readonly #burst: number;

  constructor(options: RateLimitOptions) {
    this.#ratePerMs = options.requestsPerSecond / 1000;
    this.#burst = Math.max(1, options.burst ?? options.requestsPerSecond);
  }

  /** Takes one token; returns undefined when allowed, else the whole seconds to wait. */
  take(sourceId: string, nowMs: number): number | undefined {
    let bucket = this.#buckets.get(sourceId);
    if (!bucket) {
      bucket = { tokens: this.#burst, updatedAtMs: nowMs };
      this.#buckets.set(sourceId, bucket);
    }
    const elapsed = Math.max(0, nowMs - bucket.updatedAtMs);
    bucket.tokens = Math.min(this.#burst, bucket.tokens + elapsed * this.#ratePerMs);
    bucket.updatedAtMs = nowMs;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.#ratePerMs / 1000));
  }
}
