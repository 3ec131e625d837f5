import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { writeFingerprint } from './message-id-fingerprint.js';
import { MessageIdWindow } from './message-id-window.js';

describe('MessageIdWindow', () => {
  it('claims an id once per source', () => {
    const window = new MessageIdWindow(100);
    expect(window.claim(0, 1, 2)).toBe(true);
    expect(window.claim(0, 1, 2)).toBe(false);
    expect(window.claim(1, 1, 2)).toBe(true);
    expect(window.claim(0, 1, 3)).toBe(true);
  });

  it('remembers exactly the last `capacity` ids, across sources', () => {
    const window = new MessageIdWindow(1_000);
    for (let index = 0; index < 10_000; index++) {
      expect(window.claim(index % 3, index, index * 7)).toBe(true);
      expect(window.size).toBe(Math.min(index + 1, 1_000));
    }
    for (let index = 9_000; index < 10_000; index++) expect(window.has(index % 3, index, index * 7)).toBe(true);
    expect(window.has(8_999 % 3, 8_999, 8_999 * 7)).toBe(false);
  });

  it('forgets released ids, and their ring places are reused without disturbing others', () => {
    const window = new MessageIdWindow(4);
    for (const id of [1, 2, 3, 4]) window.claim(0, id, id);
    window.release(0, 2, 2);
    expect(window.has(0, 2, 2)).toBe(false);
    expect(window.size).toBe(3);
    expect(window.claim(0, 2, 2)).toBe(true);
    expect([1, 3, 4, 2].map((id) => window.has(0, id, id))).toEqual([false, true, true, true]);
  });

  it('agrees with a simple model under random claims and releases, colliding home slots included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        // Few distinct values, so home slots collide and probe runs wrap and shift.
        fc.array(fc.record({ release: fc.boolean(), source: fc.integer({ min: 0, max: 2 }), high: fc.integer({ min: 0, max: 3 }), low: fc.integer({ min: 0, max: 60 }) }), { maxLength: 400 }),
        (capacity, operations) => {
          const window = new MessageIdWindow(capacity);
          // The model: ids in arrival order; a released id leaves its place in the order empty.
          const order: (string | undefined)[] = [];
          const live = new Set<string>();
          for (const { release, source, high, low } of operations) {
            const key = `${source}/${high}/${low}`;
            if (release) {
              window.release(source, high, low);
              if (live.delete(key)) order[order.indexOf(key)] = undefined;
              continue;
            }
            const claimed = window.claim(source, high, low);
            expect(claimed).toBe(!live.has(key));
            if (!claimed) continue;
            // The ring overwrites the place `capacity` claims back, whether or not it still holds an id.
            if (order.length >= capacity) {
              const evicted = order[order.length - capacity];
              if (evicted !== undefined) live.delete(evicted);
            }
            order.push(key);
            live.add(key);
          }
          expect(window.size).toBe(live.size);
          for (const key of live) {
            const [source, high, low] = key.split('/').map(Number) as [number, number, number];
            expect(window.has(source, high, low)).toBe(true);
          }
        },
      ),
      { seed: 20261122, numRuns: 300 },
    );
  });

  it('warming changes nothing: claims after it answer as without it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.array(
          fc.record({
            source: fc.integer({ min: 0, max: 2 }),
            high: fc.integer({ min: 0, max: 3 }),
            low: fc.integer({ min: 0, max: 40 }),
            // Pairs to warm, (0, 0) among them, up to more than the ring holds (its positions wrap).
            warmed: fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 70 }),
          }),
          { maxLength: 200 },
        ),
        (capacity, operations) => {
          const plain = new MessageIdWindow(capacity);
          const warmed = new MessageIdWindow(capacity);
          for (const { source, high, low, warmed: values } of operations) {
            warmed.warm(source, Uint32Array.from(values, (value, index) => (index % 2 === 0 ? value % 4 : value)), values.length >> 1);
            expect(warmed.claim(source, high, low)).toBe(plain.claim(source, high, low));
            expect(warmed.size).toBe(plain.size);
          }
          for (let source = 0; source <= 2; source++) {
            for (let high = 0; high <= 3; high++) {
              for (let low = 0; low <= 40; low++) expect(warmed.has(source, high, low)).toBe(plain.has(source, high, low));
            }
          }
        },
      ),
      { seed: 20261204, numRuns: 200 },
    );
  });

  it('fingerprints distinguish ids that differ in one character, and never give (0, 0)', () => {
    const seen = new Set<string>();
    const into = new Uint32Array(2);
    for (let index = 0; index < 20_000; index++) {
      writeFingerprint(`node-next-${index.toString(36)}-${index % 100}`, into, 0);
      expect(into[0] === 0 && into[1] === 0).toBe(false);
      seen.add(`${into[0]}:${into[1]}`);
    }
    expect(seen.size).toBe(20_000);
  });

  it('refuses a capacity it cannot hold', () => {
    expect(() => new MessageIdWindow(0)).toThrow(RangeError);
  });
});
