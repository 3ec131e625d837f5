/**
 * Conformance section on `appendPacked`: records laid out in one buffer are appended exactly as the
 * same records appended one object each would be.
 */
import { describe, expect, it } from 'vitest';
import { expectChained, freshName, readAll, text, type ConformanceContext } from './conformance-support.js';
import type { PackedRecords } from './event-log.js';
import { FRAME_HEADER_BYTES, frameHeaderAt } from './frame-codec.js';

/** `texts` packed back to back into one buffer, after `lead` bytes of something else. */
function pack(texts: readonly string[], timestamp: number, lead = 0): PackedRecords {
  const bytes = new Uint8Array(lead + texts.reduce((sum, piece) => sum + Buffer.byteLength(piece), 0) + 7);
  bytes.fill(0x3f);
  const positions = new Uint32Array(texts.length * 2);
  let at = lead;
  texts.forEach((piece, index) => {
    const written = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).write(piece, at);
    positions[index * 2] = at;
    positions[index * 2 + 1] = written;
    at += written;
  });
  return { timestamp, bytes, positions };
}

export function describeAppendPacked({ create }: ConformanceContext): void {
  describe('appendPacked', () => {
    it('stores each packed record as append would, in order with appends around it', async () => {
      const log = await create();
      const stream = freshName();
      await log.append(stream, [{ timestamp: 1, data: Buffer.from('before') }]);
      const result = await log.appendPacked(stream, pack(['{"a":1}', '', 'ünïcödé', 'x'.repeat(5_000)], 1_700_000_000_123, 11));
      await log.append(stream, [{ timestamp: 3, data: Buffer.from('after') }]);
      const all = await readAll(log, stream, 0);
      expect(all.map(text)).toEqual(['before', '{"a":1}', '', 'ünïcödé', 'x'.repeat(5_000), 'after']);
      expect(all.map((record) => record.timestamp)).toEqual([1, 1_700_000_000_123, 1_700_000_000_123, 1_700_000_000_123, 1_700_000_000_123, 3]);
      expectChained(all);
      expect(result).toEqual({ firstOffset: all[1]!.offset, nextOffset: all[5]!.offset });
    });

    it('takes positions in any order, with gaps, and may repeat a range', async () => {
      const log = await create();
      const stream = freshName();
      const bytes = new Uint8Array(Buffer.from('..one..two..three..'));
      const positions = new Uint32Array([12, 5, 2, 3, 7, 3, 2, 3]);
      await log.appendPacked(stream, { timestamp: 5, bytes, positions });
      expect((await readAll(log, stream, 0)).map(text)).toEqual(['three', 'one', 'two', 'one']);
    });

    it('stores framed records (each after its frame header) as the same records unframed', async () => {
      const log = await create();
      const stream = freshName();
      const timestamp = 1_700_000_000_456;
      const texts = ['{"a":1}', '', 'ünïcödé', 'x'.repeat(5_000)];
      const bytes = Buffer.alloc(texts.reduce((sum, piece) => sum + FRAME_HEADER_BYTES + Buffer.byteLength(piece), 0));
      const positions = new Uint32Array(texts.length * 2);
      let at = 0;
      texts.forEach((piece, index) => {
        const length = bytes.write(piece, at + FRAME_HEADER_BYTES);
        frameHeaderAt(bytes, at, length, timestamp);
        positions[index * 2] = at + FRAME_HEADER_BYTES;
        positions[index * 2 + 1] = length;
        at += FRAME_HEADER_BYTES + length;
      });
      await log.appendPacked(stream, { timestamp, bytes, positions, framed: true });
      // Only the second and fourth: what deduplication leaves breaks the run of frames.
      await log.appendPacked(stream, { timestamp, bytes, positions: new Uint32Array([...positions.slice(2, 4), ...positions.slice(6, 8)]), framed: true });
      const all = await readAll(log, stream, 0);
      expect(all.map(text)).toEqual([...texts, texts[1], texts[3]]);
      expect(all.every((record) => record.timestamp === timestamp)).toBe(true);
      expectChained(all);
      await expect(log.appendPacked(stream, { timestamp: timestamp + 1, bytes, positions, framed: true })).rejects.toThrow(RangeError);
      expect(await readAll(log, stream, 0)).toHaveLength(6);
    });

    it('appends nothing for no positions, and answers the end', async () => {
      const log = await create();
      const stream = freshName();
      await log.append(stream, [{ timestamp: 1, data: Buffer.from('only') }]);
      const end = log.endOffset(stream);
      expect(await log.appendPacked(stream, { timestamp: 1, bytes: new Uint8Array(4), positions: new Uint32Array(0) })).toEqual({ firstOffset: end, nextOffset: end });
      expect((await readAll(log, stream, 0)).map(text)).toEqual(['only']);
    });

    it('refuses a position outside the bytes, an odd positions array and a bad timestamp, appending nothing', async () => {
      const log = await create();
      const stream = freshName();
      const bytes = new Uint8Array(10);
      await expect(log.appendPacked(stream, { timestamp: 1, bytes, positions: new Uint32Array([0, 4, 8, 3]) })).rejects.toThrow(RangeError);
      await expect(log.appendPacked(stream, { timestamp: 1, bytes, positions: new Uint32Array([0, 4, 8]) })).rejects.toThrow(TypeError);
      await expect(log.appendPacked(stream, { timestamp: -1, bytes, positions: new Uint32Array([0, 4]) })).rejects.toThrow(RangeError);
      expect(await readAll(log, stream, 0)).toEqual([]);
      expect(log.endOffset(stream)).toBe(log.startOffset(stream));
    });

    it('keeps no reference to the bytes once the append settles: the caller may reuse them', async () => {
      const log = await create();
      const stream = freshName();
      const packed = pack(['first', 'second'], 9);
      await log.appendPacked(stream, packed);
      packed.bytes.fill(0x21);
      expect((await readAll(log, stream, 0)).map(text)).toEqual(['first', 'second']);
    });

    it('keeps each of many concurrent packed appends contiguous and in order', async () => {
      const log = await create();
      const stream = freshName();
      await Promise.all(Array.from({ length: 40 }, (_, request) => log.appendPacked(stream, pack(Array.from({ length: 25 }, (_, at) => `${request}:${at}`), request))));
      const all = await readAll(log, stream, 0);
      expect(all).toHaveLength(1_000);
      for (let at = 0; at < all.length; at += 25) {
        const request = text(all[at]!).split(':')[0];
        expect(all.slice(at, at + 25).map(text)).toEqual(Array.from({ length: 25 }, (_, index) => `${request}:${index}`));
      }
    });
  });
}
