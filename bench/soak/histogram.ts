/**
 * A fixed-size latency histogram for the soak's load generator: log-linear buckets (32 per power of
 * two, so ≤ ~3% relative error) over microseconds, from 1 µs to ~35 minutes. Memory is one
 * 864-entry array whatever the run length or request count — the soak must not store every latency.
 * Owns recording, merging and percentiles; knows nothing about HTTP.
 */

const SUB_BUCKET_BITS = 5;
const SUB_BUCKETS = 1 << SUB_BUCKET_BITS;
/** Largest recordable value in µs (2^31 − 1, ~35.8 min); larger values are clamped to it. */
const MAX_MICROS = 2 ** 31 - 1;
const BUCKETS = (31 - SUB_BUCKET_BITS + 1) * SUB_BUCKETS;

function bucketOf(micros: number): number {
  const value = Math.min(MAX_MICROS, Math.max(0, Math.round(micros)));
  if (value < SUB_BUCKETS) return value;
  const exponent = 31 - Math.clz32(value);
  const shift = exponent - SUB_BUCKET_BITS;
  return (shift + 1) * SUB_BUCKETS + ((value >>> shift) - SUB_BUCKETS);
}

/** The largest value (µs) that falls into `bucket`. */
function upperBoundOf(bucket: number): number {
  if (bucket < SUB_BUCKETS) return bucket;
  const shift = Math.floor(bucket / SUB_BUCKETS) - 1;
  const sub = bucket % SUB_BUCKETS;
  return (SUB_BUCKETS + sub + 1) * 2 ** shift - 1;
}

export interface LatencySummary {
  readonly count: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export class LatencyHistogram {
  readonly #counts = new Float64Array(BUCKETS);
  #count = 0;
  #maxMicros = 0;

  get count(): number {
    return this.#count;
  }

  recordMs(milliseconds: number): void {
    const micros = milliseconds * 1000;
    this.#counts[bucketOf(micros)]! += 1;
    this.#count += 1;
    if (micros > this.#maxMicros) this.#maxMicros = Math.min(micros, MAX_MICROS);
  }

  add(other: LatencyHistogram): void {
    for (let bucket = 0; bucket < BUCKETS; bucket++) this.#counts[bucket]! += other.#counts[bucket]!;
    this.#count += other.#count;
    this.#maxMicros = Math.max(this.#maxMicros, other.#maxMicros);
  }

  reset(): void {
    this.#counts.fill(0);
    this.#count = 0;
    this.#maxMicros = 0;
  }

  /** The value (ms) at or below which `fraction` of the recorded values lie; NaN when empty. */
  percentileMs(fraction: number): number {
    if (this.#count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(fraction * this.#count));
    let seen = 0;
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      seen += this.#counts[bucket]!;
      if (seen >= rank) return Math.min(upperBoundOf(bucket), this.#maxMicros) / 1000;
    }
    return this.#maxMicros / 1000;
  }

  summary(): LatencySummary {
    return { count: this.#count, p50Ms: this.percentileMs(0.5), p99Ms: this.percentileMs(0.99), maxMs: this.#count === 0 ? NaN : this.#maxMicros / 1000 };
  }
}
