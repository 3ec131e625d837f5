/**
 * LineChunker: the chunks are the NDJSON cut at exact multiples of the chunk size, whatever the line
 * lengths (lines spanning several chunks, lines ending exactly at a boundary, empty lines there).
 */
import { describe, expect, it } from 'vitest';
import { LineChunker } from './line-chunker.js';

function chunk(lines: readonly string[], chunkBytes: number): { emitted: Buffer[]; rest: Buffer } {
  const emitted: Buffer[] = [];
  const chunker = new LineChunker(chunkBytes, () => Buffer.alloc(chunkBytes), (full) => emitted.push(Buffer.from(full)));
  for (const line of lines) chunker.write(Buffer.from(line));
  const { rest } = chunker.finish();
  return { emitted, rest: Buffer.from(rest) };
}

const ndjson = (lines: readonly string[]) => lines.map((line) => `${line}\n`).join('');

describe('LineChunker', () => {
  it('cuts the NDJSON into full chunks and a rest, for lines shorter and longer than a chunk', () => {
    const lines = ['a'.repeat(3), 'b'.repeat(25), '', 'c'.repeat(7), 'd'.repeat(40), 'e'];
    const { emitted, rest } = chunk(lines, 16);
    for (const full of emitted) expect(full.byteLength).toBe(16);
    expect(Buffer.concat([...emitted, rest]).toString()).toBe(ndjson(lines));
    expect(rest.byteLength).toBe(ndjson(lines).length % 16);
  });

  it('keeps a chunk filled exactly by a newline until more comes, so it can be the last chunk', () => {
    const { emitted, rest } = chunk(['a'.repeat(7), 'b'.repeat(7)], 16);
    expect(emitted).toEqual([]);
    expect(rest.toString()).toBe(ndjson(['a'.repeat(7), 'b'.repeat(7)]));
  });

  it('hands out a full chunk before an empty line that follows it', () => {
    const lines = ['a'.repeat(15), '', 'b'];
    const { emitted, rest } = chunk(lines, 16);
    expect(emitted.map((full) => full.toString())).toEqual([`${'a'.repeat(15)}\n`]);
    expect(rest.toString()).toBe('\nb\n');
  });

  it('cuts any mix of lengths at exact multiples of the chunk size', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const lines = Array.from({ length: 500 }, (_unused, index) => String.fromCharCode(97 + (index % 26)).repeat(Math.floor(random() * (random() < 0.1 ? 200 : 30))));
    const { emitted, rest } = chunk(lines, 64);
    const text = ndjson(lines);
    expect(Buffer.concat([...emitted, rest]).toString()).toBe(text);
    for (const [index, full] of emitted.entries()) expect(full.toString()).toBe(text.slice(index * 64, (index + 1) * 64));
  });
});
