/**
 * The in-memory picture of one stream's segment files, oldest first: where each starts, how many
 * durable bytes it holds, and which one takes appends (the last). Pure bookkeeping, no I/O, so the
 * writer, the reader and retention agree on one source of truth.
 *
 * Offsets are byte positions: a record's offset is its segment's base offset plus its position in the
 * file, and a new segment's base is the end of the previous one, so offsets run on across segments.
 */
import { join } from 'node:path';
import { segmentFileName } from './file-names.js';
import { SegmentIndex } from './segment-index.js';

export interface Segment {
  readonly baseOffset: number;
  readonly path: string;
  /** Durable bytes: what has been synced (or recovered). Readers never look past it. */
  size: number;
  /** Records in the segment, once known (counted at recovery, by a backlog scan, or by the writer). */
  records: number | undefined;
  /**
   * Sparse record positions (see `segment-index.ts`), once known: kept up to date by the writer for
   * the active segment, built by recovery for the last one at start-up, and built lazily by the
   * backlog for a sealed one. It goes away with the segment (retention detaches the object).
   */
  index: SegmentIndex | undefined;
}

export class SegmentChain {
  readonly directory: string;
  readonly #segments: Segment[];

  constructor(directory: string, segments: Segment[] = []) {
    this.directory = directory;
    this.#segments = segments;
  }

  get segments(): readonly Segment[] {
    return this.#segments;
  }

  get active(): Segment | undefined {
    return this.#segments.at(-1);
  }

  /** Offset of the oldest retained record (the end when empty; 0 before the first segment exists). */
  get startOffset(): number {
    return this.#segments[0]?.baseOffset ?? 0;
  }

  /** Offset the next record will get. */
  get endOffset(): number {
    const active = this.active;
    return active ? active.baseOffset + active.size : 0;
  }

  /** Total bytes of all segments. */
  get bytes(): number {
    return this.#segments.reduce((sum, segment) => sum + segment.size, 0);
  }

  /** Index of the segment holding `offset` (the last one whose base is ≤ it), or -1 before the first. */
  indexOf(offset: number): number {
    let low = 0;
    let high = this.#segments.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (this.#segments[middle]!.baseOffset <= offset) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }

  /** Adds a new, empty segment at the current end; it becomes the active one. */
  addSegment(): Segment {
    const baseOffset = this.endOffset;
    const segment: Segment = { baseOffset, path: join(this.directory, segmentFileName(baseOffset)), size: 0, records: 0, index: new SegmentIndex() };
    this.#segments.push(segment);
    return segment;
  }

  /** Detaches every segment that ends at or before `offset`, never the active one; returns them. */
  removeSegmentsBefore(offset: number): Segment[] {
    let count = 0;
    while (count < this.#segments.length - 1) {
      const segment = this.#segments[count]!;
      if (segment.baseOffset + segment.size > offset) break;
      count++;
    }
    return this.#segments.splice(0, count);
  }
}
