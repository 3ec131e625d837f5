import { describe, expect, it } from 'vitest';
import { encodeFrames, FRAME_HEADER_BYTES } from './frame-codec.js';
import { INDEX_SPACING_BYTES, SegmentIndex } from './segment-index.js';
import { seededRandom } from './test-support/seeded-random.js';

/** Frame sizes: mostly small, now and then one larger than the spacing. */
function frameSizes(count: number, spacing: number, seed: number): number[] {
  const next = seededRandom(seed);
  return Array.from({ length: count }, () => FRAME_HEADER_BYTES + Math.floor(next() < 0.03 ? spacing * (1 + 2 * next()) : next() * spacing * 0.4));
}

describe('SegmentIndex', () => {
  it('keeps entries at record boundaries with the exact count before each, and gaps of ≤ spacing or one frame', () => {
    const spacing = 256;
    const sizes = frameSizes(3000, spacing, 7);
    const index = new SegmentIndex(spacing);
    const starts: number[] = [];
    let position = 0;
    for (const size of sizes) {
      starts.push(position);
      index.noteFrame(size);
      position += size;
    }
    expect(index.records).toBe(sizes.length);
    expect(index.endPosition).toBe(position);

    const entries = index.entries();
    expect(entries[0]).toEqual({ position: 0, recordsBefore: 0 });
    for (const entry of entries) expect(starts[entry.recordsBefore]).toBe(entry.position);
    for (let at = 1; at < entries.length; at++) {
      const gap = entries[at]!.position - entries[at - 1]!.position;
      const recordsInGap = entries[at]!.recordsBefore - entries[at - 1]!.recordsBefore;
      expect(gap <= spacing || recordsInGap === 1).toBe(true);
    }
    expect(entries.length).toBeLessThanOrEqual((2 * position) / spacing + 2);
    // Coarse enough to be worth it, fine enough to bound the walk.
    expect(entries.length).toBeGreaterThan(position / spacing / 2);
  });

  it('finds the last entry at or before any position', () => {
    const spacing = 100;
    const sizes = frameSizes(500, spacing, 11);
    const index = new SegmentIndex(spacing);
    for (const size of sizes) index.noteFrame(size);
    const entries = index.entries();
    for (let position = 0; position <= index.endPosition; position += 7) {
      const expected = entries.filter((entry) => entry.position <= position).at(-1);
      expect(index.entryAtOrBefore(position)).toEqual(expected);
    }
  });

  it('starts a lookup at a remembered boundary when it is closer than any entry', () => {
    const index = new SegmentIndex(1000);
    for (let frame = 0; frame < 100; frame++) index.noteFrame(100);
    expect(index.entryAtOrBefore(1550)).toEqual({ position: 1000, recordsBefore: 10 });
    index.remember({ position: 1500, recordsBefore: 15 });
    expect(index.entryAtOrBefore(1550)).toEqual({ position: 1500, recordsBefore: 15 });
    expect(index.entryAtOrBefore(1500)).toEqual({ position: 1500, recordsBefore: 15 });
    expect(index.entryAtOrBefore(1499)).toEqual({ position: 1000, recordsBefore: 10 });
    // Only a few are kept: the oldest is forgotten.
    for (let position = 2000; position < 10_000; position += 1000) index.remember({ position: position + 200, recordsBefore: position / 100 + 2 });
    expect(index.entryAtOrBefore(1550)).toEqual({ position: 1000, recordsBefore: 10 });
    expect(index.entries().every((entry) => entry.position % 100 === 0 && entry.position !== 1500)).toBe(true);
  });

  it('indexes a group buffer exactly like its frames one by one', () => {
    const sizes = frameSizes(400, 512, 3);
    const records = sizes.map((size, at) => ({ timestamp: at, data: Buffer.alloc(size - FRAME_HEADER_BYTES, at % 251) }));
    const encoded = Buffer.alloc(sizes.reduce((sum, size) => sum + size, 0));
    encodeFrames(encoded, 0, records);
    const byGroups = new SegmentIndex(512);
    byGroups.noteFrames(encoded.subarray(0, sizes.slice(0, 150).reduce((sum, size) => sum + size, 0)));
    byGroups.noteFrames(encoded.subarray(sizes.slice(0, 150).reduce((sum, size) => sum + size, 0)));
    const byFrames = new SegmentIndex(512);
    for (const size of sizes) byFrames.noteFrame(size);
    expect(byGroups.entries()).toEqual(byFrames.entries());
    expect(byGroups.records).toBe(400);
  });

  it('needs at most a few thousand entries for a full 64 MiB segment at the default spacing', () => {
    const index = new SegmentIndex();
    const segmentBytes = 64 * 1024 * 1024;
    const next = seededRandom(5);
    while (index.endPosition < segmentBytes) index.noteFrame(FRAME_HEADER_BYTES + Math.floor(next() * 2000));
    expect(INDEX_SPACING_BYTES).toBe(64 * 1024);
    expect(index.entryCount).toBeLessThanOrEqual(1100);
    expect(index.entryCount).toBeGreaterThanOrEqual(1000);
  });

  it('lastEntryFitting finds the last entry in (after, upTo] within a budget, as a linear scan would', () => {
    const index = new SegmentIndex(1024);
    for (const size of frameSizes(3_000, 1024, 9)) index.noteFrame(size);
    const entries = index.entries();
    const next = seededRandom(10);
    for (let trial = 0; trial < 500; trial++) {
      const after = Math.floor(next() * index.endPosition);
      const upTo = after + Math.floor(next() * (index.endPosition - after + 1));
      const budget = Math.floor(next() * 40_000);
      const fits = (position: number) => position - after <= budget;
      const expected = entries.filter((entry) => entry.position > after && entry.position <= upTo && fits(entry.position)).at(-1);
      expect(index.lastEntryFitting(after, upTo, fits)).toEqual(expected);
    }
    expect(index.lastEntryFitting(index.endPosition, index.endPosition, () => true)).toBeUndefined();
  });

  it('refuses a spacing smaller than a frame header', () => {
    expect(() => new SegmentIndex(8)).toThrow(RangeError);
  });
});
