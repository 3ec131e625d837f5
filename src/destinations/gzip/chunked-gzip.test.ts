import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nativeBinding } from '../../native/binding.js';
import { sampleEvent, seededRandom } from '../amazon-s3/test-support/sample-events.js';
import { defaultDeflateEngine, deflateChunk, GZIP_HEADER, newMemberState, zlibDeflateRawChunk, type DeflateEngine } from './chunked-gzip.js';

const libdeflate = nativeBinding?.deflateRawChunk;
const engines: DeflateEngine[] = libdeflate ? ['libdeflate', 'zlib'] : ['zlib'];

/** One gzip member from `chunks`, deflated one by one as the encoders do. */
function member(chunks: Uint8Array[], level: number, engine: DeflateEngine): Buffer {
  const state = newMemberState();
  const pieces = chunks.map((chunk, index) => {
    const last = index === chunks.length - 1;
    // No chunk may have quietly fallen back to zlib: libdeflate must have made every one.
    if (engine === 'libdeflate') expect(libdeflate!(chunk, level, last)).toBeInstanceOf(Buffer);
    return deflateChunk(chunk, level, last, state, engine);
  });
  return Buffer.concat([GZIP_HEADER, ...pieces]);
}

/** The deflate stream alone, inflated raw: stops at the first block marked final, so a chunk that ended the stream early shows. */
function inflateStream(gzip: Buffer): Buffer {
  return zlib.inflateRawSync(gzip.subarray(GZIP_HEADER.length, gzip.length - 8));
}

function ndjson(events: number, seed: number): Buffer {
  const random = seededRandom(seed);
  let text = '';
  for (let i = 0; i < events; i++) text += `${sampleEvent(random, 1_764_900_000_000 + i)}\n`;
  return Buffer.from(text);
}

/** Seeded bytes that do not compress: deflate stores them (stored blocks). */
function noise(bytes: number, seed: number): Buffer {
  const random = seededRandom(seed);
  const out = Buffer.allocUnsafe(bytes);
  for (let i = 0; i < bytes; i++) out[i] = Math.floor(random() * 256);
  return out;
}

function cut(data: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += size) chunks.push(data.subarray(offset, offset + size));
  return chunks.length > 0 ? chunks : [Buffer.alloc(0)];
}

describe.each(engines)('chunked gzip with %s', (engine) => {
  const corpora: Array<[string, Buffer]> = [
    ['NDJSON events', ndjson(3_000, 1)],
    ['incompressible bytes', noise(200_000, 2)],
    ['one repeated byte', Buffer.alloc(300_000, 0x61)],
    ['text then noise', Buffer.concat([ndjson(500, 3), noise(70_000, 4), ndjson(500, 5)])],
  ];

  it.each(corpora)('%s: one member that gunzip and a raw inflate read whole, whatever the chunk size and level', (_name, data) => {
    for (const size of [1 << 20, 65_536, 4_099, 1_000]) {
      for (const level of [1, 6, 9]) {
        const gzip = member(cut(data, size), level, engine);
        expect(zlib.gunzipSync(gzip).equals(data)).toBe(true);
        expect(inflateStream(gzip).equals(data)).toBe(true);
      }
    }
  });

  it('ends every chunk but the last byte-aligned with an empty stored block (a sync flush), the last with the trailer', () => {
    const data = ndjson(800, 6);
    const chunks = cut(data, 50_000);
    const state = newMemberState();
    const pieces = chunks.map((chunk, index) => deflateChunk(chunk, 6, index === chunks.length - 1, state, engine));
    for (const piece of pieces.slice(0, -1)) expect([...piece.subarray(-4)]).toEqual([0x00, 0x00, 0xff, 0xff]);
    const trailer = pieces.at(-1)!.subarray(-8);
    expect(trailer.readUInt32LE(0)).toBe(zlib.crc32(data));
    expect(trailer.readUInt32LE(4)).toBe(data.length);
  });

  it('takes empty and one-byte chunks, including an empty last chunk', () => {
    const chunks = [Buffer.from('a'), Buffer.alloc(0), Buffer.from('{"b":1}\n'), Buffer.alloc(0)];
    const gzip = member(chunks, 6, engine);
    expect(zlib.gunzipSync(gzip).toString()).toBe('a{"b":1}\n');
    expect(zlib.gunzipSync(member([Buffer.alloc(0)], 6, engine)).length).toBe(0);
  });

  it('round-trips any bytes cut anywhere (property)', () => {
    const pieces = fc.array(fc.oneof(fc.uint8Array({ maxLength: 3_000 }), fc.string({ maxLength: 2_000 }).map((text) => Buffer.from(text.repeat(5)))), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(pieces, fc.integer({ min: 1, max: 9 }), (chunks, level) => {
        const data = Buffer.concat(chunks);
        const gzip = member(chunks, level, engine);
        expect(inflateStream(gzip).equals(data)).toBe(true);
        expect(zlib.gunzipSync(gzip).equals(data)).toBe(true);
      }),
      { seed: 20261205, numRuns: 300 },
    );
  });
});

describe.runIf(libdeflate)('libdeflate chunks', () => {
  it('makes a chunk continue by clearing its final bit and adding 4 or 5 bytes, both of which happen', () => {
    // Whether the empty stored block's 3 header bits fit in the final byte's padding decides 4 or 5.
    const added = new Set<number>();
    const random = seededRandom(7);
    for (let i = 0; i < 200; i++) {
      const chunk = i % 3 === 0 ? noise(1 + Math.floor(random() * 5_000), i) : ndjson(1 + Math.floor(random() * 40), i);
      const ended = libdeflate!(chunk, 6, true)!;
      const open = libdeflate!(chunk, 6, false)!;
      added.add(open.length - ended.length);
      expect(zlib.inflateRawSync(Buffer.concat([open, ended])).equals(Buffer.concat([chunk, chunk]))).toBe(true);
    }
    expect([...added].sort()).toEqual([4, 5]);
  });

  it('stores NDJSON smaller than zlib at the same level', () => {
    const data = ndjson(4_000, 8);
    const chunks = cut(data, 1 << 20);
    const sizeWith = (engine: DeflateEngine) => member(chunks, 6, engine).length;
    expect(sizeWith('libdeflate')).toBeLessThan(sizeWith('zlib'));
  });

  it('rejects what is not a Uint8Array or a level it does not have', () => {
    expect(() => libdeflate!('text' as unknown as Uint8Array, 6, true)).toThrow(TypeError);
    expect(() => libdeflate!(Buffer.from('x'), 13, true)).toThrow(RangeError);
  });

  it('is a pure function of the chunk and level (re-delivered batches stay byte-identical)', () => {
    const data = ndjson(300, 9);
    expect(libdeflate!(data, 6, false)!.equals(libdeflate!(data, 6, false)!)).toBe(true);
    expect(zlibDeflateRawChunk(data, 6, false).equals(zlibDeflateRawChunk(data, 6, false))).toBe(true);
  });
});

describe('the engine the build picked', () => {
  it('is libdeflate wherever the machine has it (binding.gyp probes with native/has-libdeflate.sh)', () => {
    const found = execFileSync('sh', [fileURLToPath(new URL('../../../native/has-libdeflate.sh', import.meta.url))], { encoding: 'utf8' }).trim();
    expect(defaultDeflateEngine).toBe(found === '1' ? 'libdeflate' : 'zlib');
  });
});
