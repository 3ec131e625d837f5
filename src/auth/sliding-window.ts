/**
 * A bounded sliding-window counter: for each key, the times of its last `limit` events within
 * `windowMs`. Memory is bounded twice: at most `limit` times per key, and at most `maxKeys` keys (the
 * least recently touched key is evicted first; keys whose events all left the window go on every touch).
 */
export interface SlidingWindowOptions {
  readonly limit: number;
  readonly windowMs: number;
  readonly maxKeys: number;
}

export class SlidingWindow {
  readonly #options: SlidingWindowOptions;
  /** Map order = least recently touched first (a touched key is deleted and re-inserted). */
  readonly #events = new Map<string, number[]>();

  constructor(options: SlidingWindowOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#events.size;
  }

  /** Milliseconds until `key` may have another event, or 0 when it is under its limit now. */
  waitMs(key: string, nowMs: number): number {
    const times = this.#live(key, nowMs);
    if (times.length < this.#options.limit) return 0;
    return times[0]! + this.#options.windowMs - nowMs;
  }

  record(key: string, nowMs: number): void {
    const times = this.#live(key, nowMs);
    times.push(nowMs);
    if (times.length > this.#options.limit) times.shift();
    this.#events.delete(key);
    this.#events.set(key, times);
    this.#evict(nowMs);
  }

  forget(key: string): void {
    this.#events.delete(key);
  }

  #live(key: string, nowMs: number): number[] {
    const times = this.#events.get(key) ?? [];
    const cutoff = nowMs - this.#options.windowMs;
    while (times.length > 0 && times[0]! <= cutoff) times.shift();
    return times;
  }

  #evict(nowMs: number): void {
    const cutoff = nowMs - this.#options.windowMs;
    for (const [key, times] of this.#events) {
      const stale = times.length === 0 || times[times.length - 1]! <= cutoff;
      if (!stale && this.#events.size <= this.#options.maxKeys) break;
      this.#events.delete(key);
    }
  }
}
