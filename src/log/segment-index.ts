/**
 * The sparse record index of one segment: a few record boundaries and how many records lie before
 * each, so "records from position p to the end" is the total minus a binary search plus a short
 * header walk, instead of a walk over the whole segment. It is fed frame by frame, in order, by
 * whoever already sees the frames: the writer (from the group buffer it just wrote), start-up
 * recovery (from its scan of the last segment), or one lazy scan of a sealed segment. No I/O here.
 *
 * Placement rule: a boundary becomes an entry when the frame starting there would end more than
 * `spacingBytes` past the previous entry. So between two neighbouring entries there are either at
 * most `spacingBytes` bytes or exactly one (large) frame, and any two consecutive gaps together span
 * more than `spacingBytes`: a segment of S bytes holds at most 2·S/spacing + 2 entries.
 */
import { FRAME_HEADER_BYTES } from './frame-codec.js';

/** Default distance between entries: what a backlog walk reads at most (one positioned read). */
export const INDEX_SPACING_BYTES = 64 * 1024;
/** How many walked-to boundaries are remembered: enough for the consumers of one stream. */
const RECENT_LOOKUPS = 8;

export interface IndexEntry {
  /** A record boundary (position in the segment file). */
  readonly position: number;
  /** Records that start before `position`. */
  readonly recordsBefore: number;
}

export class SegmentIndex {
  readonly spacingBytes: number;
  // Two flat arrays (small integers) rather than entry objects: ~16 bytes per entry.
  readonly #positions: number[] = [0];
  readonly #recordsBefore: number[] = [0];
  #records = 0;
  #endPosition = 0;
  /**
   * Boundaries found by recent walks (a few consumers' cursors): a cursor asked about again and again
   * while appends land is answered without any read. Valid forever: bytes before a boundary never change.
   */
  readonly #recent: IndexEntry[] = [];

  constructor(spacingBytes = INDEX_SPACING_BYTES) {
    if (!Number.isSafeInteger(spacingBytes) || spacingBytes < FRAME_HEADER_BYTES) {
      throw new RangeError(`spacingBytes must be an integer ≥ ${FRAME_HEADER_BYTES}.`);
    }
    this.spacingBytes = spacingBytes;
  }

  /** Records noted so far. */
  get records(): number {
    return this.#records;
  }

  /** Position after the last noted frame: the segment size this index describes. */
  get endPosition(): number {
    return this.#endPosition;
  }

  get entryCount(): number {
    return this.#positions.length;
  }

  /** Notes the next frame, which starts at `endPosition` and is `frameBytes` long (header included). */
  noteFrame(frameBytes: number): void {
    const position = this.#endPosition;
    const last = this.#positions[this.#positions.length - 1]!;
    if (position > last && position + frameBytes - last > this.spacingBytes) {
      this.#positions.push(position);
      this.#recordsBefore.push(this.#records);
    }
    this.#records++;
    this.#endPosition = position + frameBytes;
  }

  /** Notes every frame of `encoded`, a group of whole frames just written at `endPosition`. */
  noteFrames(encoded: Buffer): void {
    let at = 0;
    while (at < encoded.byteLength) {
      const frameBytes = FRAME_HEADER_BYTES + encoded.readUInt32BE(at);
      this.noteFrame(frameBytes);
      at += frameBytes;
    }
  }

  /** The last entry at or before `position` (binary search; the entry at 0 always exists). */
  entryAtOrBefore(position: number): IndexEntry {
    let low = 0;
    let high = this.#positions.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.#positions[middle]! <= position) low = middle;
      else high = middle - 1;
    }
    let best: IndexEntry = { position: this.#positions[low]!, recordsBefore: this.#recordsBefore[low]! };
    for (const recent of this.#recent) if (recent.position <= position && recent.position > best.position) best = recent;
    return best;
  }

  /**
   * The last placed entry in (`after`, `upTo`] for which `fits` holds, where `fits` holds for a prefix
   * of the entries and not after (a budget measured from `after`); undefined when none does. Binary
   * searches, so cutting a span out of a large segment looks at a few entries only.
   */
  lastEntryFitting(after: number, upTo: number, fits: (position: number, recordsBefore: number) => boolean): IndexEntry | undefined {
    const positions = this.#positions;
    let low = this.#firstAfter(after);
    let high = this.#firstAfter(upTo) - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (fits(positions[middle]!, this.#recordsBefore[middle]!)) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found < 0 ? undefined : { position: positions[found]!, recordsBefore: this.#recordsBefore[found]! };
  }

  /** Index of the first placed entry whose position is greater than `position` (the count when none). */
  #firstAfter(position: number): number {
    let low = 0;
    let high = this.#positions.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.#positions[middle]! <= position) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Remembers a boundary a walk has verified, so the next lookup at or after it starts there. */
  remember(entry: IndexEntry): void {
    if (this.#recent.some((recent) => recent.position === entry.position)) return;
    if (this.#recent.length >= RECENT_LOOKUPS) this.#recent.shift();
    this.#recent.push(entry);
  }

  /** Every placed entry, oldest first (for tests and diagnostics; remembered lookups are not listed). */
  entries(): IndexEntry[] {
    return this.#positions.map((position, index) => ({ position, recordsBefore: this.#recordsBefore[index]! }));
  }
}
