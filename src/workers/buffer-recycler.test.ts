/** BufferRecycler: reuse of fitting spares, rounding, the bound, and refusing detached buffers. */
import { describe, expect, it } from 'vitest';
import { BufferRecycler } from './buffer-recycler.js';

describe('BufferRecycler', () => {
  it('allocates dedicated buffers rounded up to the granule', () => {
    const recycler = new BufferRecycler({ maxSpares: 4, granuleBytes: 1024 });
    const buffer = recycler.take(1500);
    expect(buffer).toBeInstanceOf(ArrayBuffer);
    expect(buffer.byteLength).toBe(2048);
    expect(recycler.take(0).byteLength).toBe(1024);
  });

  it('hands a spare back out for a request it fits, and not for one it is far too large for', () => {
    const recycler = new BufferRecycler({ maxSpares: 4, granuleBytes: 1024 });
    const big = recycler.take(64 * 1024);
    recycler.give(big);
    expect(recycler.take(2 * 1024)).not.toBe(big); // 64 KiB for 2 KiB: more than 4× too large
    expect(recycler.take(100 * 1024)).not.toBe(big); // too small
    expect(recycler.take(40 * 1024)).toBe(big);
    expect(recycler.spares).toBe(0);
  });

  it('keeps at most maxSpares and ignores detached (transferred) buffers', () => {
    const recycler = new BufferRecycler({ maxSpares: 2, granuleBytes: 1024 });
    for (let index = 0; index < 5; index++) recycler.give(new ArrayBuffer(1024));
    expect(recycler.spares).toBe(2);
    const moved = new ArrayBuffer(1024);
    structuredClone(moved, { transfer: [moved] });
    while (recycler.takeAny()) continue;
    recycler.give(moved);
    expect(recycler.spares).toBe(0);
  });
});
