import { describe, expect, it } from 'vitest';
import { heapGrowthFlag, HEAP_GROWING_PERCENT } from './heap-growth.js';

describe('heapGrowthFlag', () => {
  it('caps the growing factor unless the operator set one', () => {
    expect(heapGrowthFlag([], undefined)).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    expect(heapGrowthFlag(['--enable-source-maps'], '--max-old-space-size=512')).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  });

  it("leaves the operator's own choice alone, from node's flags or NODE_OPTIONS, in either spelling", () => {
    expect(heapGrowthFlag(['--heap-growing-percent=50'], undefined)).toBeUndefined();
    expect(heapGrowthFlag(['--heap_growing_percent=300'], undefined)).toBeUndefined();
    expect(heapGrowthFlag([], '--enable-source-maps --heap-growing-percent=200')).toBeUndefined();
  });

  it('is not fooled by a flag that only starts the same way', () => {
    expect(heapGrowthFlag(['--heap-growing-percentage=5'], undefined)).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  });
});
