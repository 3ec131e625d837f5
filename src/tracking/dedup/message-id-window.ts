/**
 * The last `capacity` messageIds accepted (as fingerprints, `message-id-fingerprint.ts`), each with
 * the source it came to, so an event a client re-sends is stored once (Segment drops repeated
 * messageIds within ~24 h; a client re-sends whenever it missed an acknowledgement, e.g. when the
 * server was killed between the log's fsync and the response).
 *
 * Bounded by count, oldest out first: a repeat is caught when fewer than `capacity` other ids were
 * accepted in between, across all sources. All in typed arrays allocated once (~44–76 bytes an id):
 * a ring of (fingerprint, source) in arrival order, and an open-addressing index (linear probing, at
 * most half full, backward-shift deletion) whose slots hold the fingerprint itself, so a lookup costs
 * about one cache miss, nothing is allocated per event, and the garbage collector has nothing to trace.
 */

/** Words per index slot: fingerprint high, fingerprint low, source + 1 (0: empty slot), ring position. */
const SLOT_WORDS = 4;

export class MessageIdWindow {
  readonly capacity: number;
  /** Per ring position (arrival order): fingerprint high, low, source + 1 (0: unused or released). */
  readonly #ring: Uint32Array;
  /** The index: open addressing, the fingerprint kept in the slot so a probe reads one cache line. */
  readonly #slots: Uint32Array;
  readonly #mask: number;
  /** Ring position the next id is written to (the oldest entry, once the ring is full). */
  #next = 0;
  #size = 0;
  /** What `warm` read, kept only so its loads are not optimized away (written, never read, on purpose). */
  // eslint-disable-next-line no-unused-private-class-members
  #touched = 0;

  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1 || capacity > 2 ** 26) throw new RangeError(`capacity must be an integer from 1 to 2^26 (got ${capacity}).`);
    this.capacity = capacity;
    this.#ring = new Uint32Array(capacity * 3);
    let slots = 2;
    while (slots < capacity * 2) slots *= 2;
    this.#slots = new Uint32Array(slots * SLOT_WORDS);
    this.#mask = slots - 1;
  }

  /**
   * Touches, without changing anything, the index slots that claiming `count` ids will read: each
   * id's home slot, and the home slot of each ring entry those claims will evict. The slots lie at
   * random in a table of several MiB, so each claim costs about two cache misses; touched
   * in one pass beforehand, the loads do not depend on each other and the CPU overlaps them. At the
   * default capacity, with caches cold, a claim took ~325 ns after warming against 520–640 without;
   * in `perf` of the server at 1,100 batch requests/s, deduplication fell from ~13% to ~9% of the event
   * loop's samples. `fingerprints` holds (high, low) pairs; (0, 0) is skipped.
   */
  warm(source: number, fingerprints: Uint32Array, count: number): void {
    const slots = this.#slots;
    const ring = this.#ring;
    const tag = source + 1;
    let touched = 0;
    for (let index = 0; index < count; index++) {
      const low = fingerprints[index * 2 + 1]!;
      if (low !== 0 || fingerprints[index * 2] !== 0) touched |= slots[this.#home(tag, low) * SLOT_WORDS + 2]!;
    }
    let position = this.#next;
    for (let index = 0; index < count; index++) {
      const at = position * 3;
      const evictedTag = ring[at + 2]!;
      if (evictedTag !== 0) touched |= slots[this.#home(evictedTag, ring[at + 1]!) * SLOT_WORDS + 2]!;
      position = position + 1 === this.capacity ? 0 : position + 1;
    }
    // Kept, so the compiler cannot drop the loads as unused.
    this.#touched = touched;
  }

  /** Ids remembered now (≤ capacity). */
  get size(): number {
    return this.#size;
  }

  has(source: number, high: number, low: number): boolean {
    return this.#find(source + 1, high, low) >= 0;
  }

  /**
   * Remembers the id and returns true, or returns false when it is remembered already (a repeat).
   * Two probes of the index, not three: the probe that finds the id absent also ends at the free slot
   * it goes to, unless evicting the oldest entry opened a slot earlier on its probe path (eviction
   * frees exactly one slot, where its backward shift ends), and then it goes there.
   */
  claim(source: number, high: number, low: number): boolean {
    const tag = source + 1;
    const found = this.#find(tag, high, low);
    if (found >= 0) return false;
    let free = -1 - found;
    const position = this.#next;
    const ring = this.#ring;
    const at = position * 3;
    if (ring[at + 2] !== 0) {
      const opened = this.#remove(this.#find(ring[at + 2]!, ring[at]!, ring[at + 1]!));
      const home = this.#home(tag, low);
      if (((opened - home) & this.#mask) < ((free - home) & this.#mask)) free = opened;
    }
    ring[at] = high;
    ring[at + 1] = low;
    ring[at + 2] = tag;
    const slot = free * SLOT_WORDS;
    const slots = this.#slots;
    slots[slot] = high;
    slots[slot + 1] = low;
    slots[slot + 2] = tag;
    slots[slot + 3] = position;
    this.#next = position + 1 === this.capacity ? 0 : position + 1;
    this.#size++;
    return true;
  }

  /** Forgets an id claimed by a request whose append failed, so its retry is not taken for a repeat. */
  release(source: number, high: number, low: number): void {
    const slot = this.#find(source + 1, high, low);
    if (slot < 0) return;
    this.#ring[this.#slots[slot * SLOT_WORDS + 3]! * 3 + 2] = 0;
    this.#remove(slot);
  }

  /** The slot holding the id, or −1 − (the empty slot where the probe ended). */
  #find(tag: number, high: number, low: number): number {
    const slots = this.#slots;
    const mask = this.#mask;
    for (let slot = this.#home(tag, low); ; slot = (slot + 1) & mask) {
      const at = slot * SLOT_WORDS;
      const slotTag = slots[at + 2]!;
      if (slotTag === 0) return -1 - slot;
      if (slots[at + 1] === low && slots[at] === high && slotTag === tag) return slot;
    }
  }

  #home(tag: number, low: number): number {
    return (low ^ Math.imul(tag, 0x9e3779b1)) & this.#mask;
  }

  /** Empties `slot` (backward-shift deletion: later entries of its probe run move up); returns the slot left empty. */
  #remove(slot: number): number {
    const slots = this.#slots;
    const mask = this.#mask;
    let hole = slot;
    this.#size--;
    for (let next = (hole + 1) & mask; ; next = (next + 1) & mask) {
      const at = next * SLOT_WORDS;
      if (slots[at + 2] === 0) break;
      const home = this.#home(slots[at + 2]!, slots[at + 1]!);
      // The entry may move back into the hole only if the hole lies on its probe path from home.
      if (((next - home) & mask) >= ((next - hole) & mask)) {
        // Four words by hand: copyWithin's call costs more than the copy.
        const to = hole * SLOT_WORDS;
        slots[to] = slots[at]!;
        slots[to + 1] = slots[at + 1]!;
        slots[to + 2] = slots[at + 2]!;
        slots[to + 3] = slots[at + 3]!;
        hole = next;
      }
    }
    const emptied = hole * SLOT_WORDS;
    slots[emptied] = 0;
    slots[emptied + 1] = 0;
    slots[emptied + 2] = 0;
    slots[emptied + 3] = 0;
    return hole;
  }
}
