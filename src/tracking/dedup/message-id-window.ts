/**
 * The recent messageIds of each source, so an event a client re-sends is stored once (Segment drops
 * repeated messageIds within ~24 h; a client re-sends whenever it missed an acknowledgement, e.g. the
 * server was killed between the log's fsync and the response).
 *
 * Bounded by count, not time: at most `capacity` ids across all sources. Two generations of
 * `capacity / 2` ids each: ids go into the current one; when it is full it becomes the previous one
 * and the old previous one is dropped whole (no per-id eviction bookkeeping). So a repeat is caught
 * when at most `capacity / 2` other ids were accepted in between (and often up to `capacity`).
 * Exact ids, never hashes: a false match would silently drop a customer's event.
 *
 * Claims are synchronous, so two concurrent requests carrying one id cannot both pass; a claim whose
 * append then fails is released, so the client's retry is stored.
 */

type Generation = Map<string, Set<string>>;

export class MessageIdWindow {
  readonly capacity: number;
  readonly #generationSize: number;
  #current: Generation = new Map();
  #previous: Generation = new Map();
  #currentCount = 0;

  /** `capacity` ≥ 2 (0 is "off", handled by the caller not building a window). */
  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 2) throw new RangeError(`capacity must be an integer ≥ 2 (got ${capacity}).`);
    this.capacity = capacity;
    this.#generationSize = Math.floor(capacity / 2);
  }

  /** Ids remembered now (≤ capacity). */
  get size(): number {
    let previous = 0;
    for (const ids of this.#previous.values()) previous += ids.size;
    return this.#currentCount + previous;
  }

  has(sourceId: string, messageId: string): boolean {
    return this.#current.get(sourceId)?.has(messageId) === true || this.#previous.get(sourceId)?.has(messageId) === true;
  }

  /**
   * Remembers `messageId` for `sourceId` and returns true, or returns false when it is already
   * remembered (a repeat, to be dropped).
   */
  claim(sourceId: string, messageId: string): boolean {
    if (this.has(sourceId, messageId)) return false;
    this.#remember(sourceId, messageId);
    return true;
  }

  /** Forgets ids claimed by a request whose append failed, so a retry is not taken for a repeat. */
  release(sourceId: string, messageIds: Iterable<string>): void {
    const current = this.#current.get(sourceId);
    const previous = this.#previous.get(sourceId);
    for (const messageId of messageIds) {
      if (current?.delete(messageId)) this.#currentCount--;
      else previous?.delete(messageId);
    }
  }

  /** Remembers ids already in the log (start-up), oldest first; repeats among them are harmless. */
  seed(sourceId: string, messageIds: Iterable<string>): void {
    for (const messageId of messageIds) if (!this.has(sourceId, messageId)) this.#remember(sourceId, messageId);
  }

  #remember(sourceId: string, messageId: string): void {
    if (this.#currentCount >= this.#generationSize) {
      this.#previous = this.#current;
      this.#current = new Map();
      this.#currentCount = 0;
    }
    let ids = this.#current.get(sourceId);
    if (!ids) this.#current.set(sourceId, (ids = new Set()));
    ids.add(messageId);
    this.#currentCount++;
  }
}
