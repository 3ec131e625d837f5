import { describe, expect, it } from 'vitest';
import { createLineArena } from './line-arena.js';

describe('createLineArena', () => {
  it('encodes every line exactly, across chunk boundaries and multi-byte characters', () => {
    const encode = createLineArena(50);
    const lines = Array.from({ length: 400 }, (_, i) => `{"i":${i},"text":"${'é€😀x'.repeat(i % 40)}"}`);
    const views = lines.map(encode);
    expect(views.map((view) => Buffer.from(view).toString('utf8'))).toEqual(lines);
    expect(views.map((view) => view.byteLength)).toEqual(lines.map((line) => Buffer.byteLength(line)));
  });

  it('handles a line larger than a chunk, and tiny requests', () => {
    const big = 'x'.repeat(300_000);
    expect(Buffer.from(createLineArena(10)(big)).toString()).toBe(big);
    expect(Buffer.from(createLineArena(1)('{"a":1}')).toString()).toBe('{"a":1}');
  });
});
