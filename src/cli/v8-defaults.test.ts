import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, PARALLEL_SCAVENGE_MIN_CORES, v8DefaultFlags } from './v8-defaults.js';

const heapGrowth = `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
const few = PARALLEL_SCAVENGE_MIN_CORES - 1;
const many = PARALLEL_SCAVENGE_MIN_CORES;

describe('v8DefaultFlags', () => {
  it('caps the heap growing factor everywhere, and scavenges without helpers only where cores are few', () => {
    expect(v8DefaultFlags([], undefined, 2)).toEqual([heapGrowth, '--no-parallel-scavenge']);
    expect(v8DefaultFlags([], undefined, few)).toEqual([heapGrowth, '--no-parallel-scavenge']);
    expect(v8DefaultFlags([], undefined, many)).toEqual([heapGrowth]);
    expect(v8DefaultFlags(['--enable-source-maps'], '--max-old-space-size=512', 2)).toEqual([heapGrowth, '--no-parallel-scavenge']);
  });

  it("leaves the operator's own choice alone, from node's flags or NODE_OPTIONS, in either spelling", () => {
    expect(v8DefaultFlags(['--heap-growing-percent=50'], undefined, 2)).toEqual(['--no-parallel-scavenge']);
    expect(v8DefaultFlags(['--heap_growing_percent=300'], undefined, 2)).toEqual(['--no-parallel-scavenge']);
    expect(v8DefaultFlags([], '--enable-source-maps --heap-growing-percent=200', many)).toEqual([]);
    expect(v8DefaultFlags(['--parallel-scavenge'], undefined, 2)).toEqual([heapGrowth]);
    expect(v8DefaultFlags([], '--no_parallel_scavenge', 2)).toEqual([heapGrowth]);
  });

  it('is not fooled by a flag that only starts the same way', () => {
    expect(v8DefaultFlags(['--heap-growing-percentage=5', '--parallel-scavenge-task-trigger=80'], undefined, 2)).toEqual([heapGrowth, '--no-parallel-scavenge']);
  });
});
