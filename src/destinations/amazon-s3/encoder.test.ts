import { PassThrough, Writable } from 'node:stream';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deflatePool, type MemberOpener } from '../gzip/deflate-pool.js';
import { GZIP_LEVEL, NdjsonGzipEncoder, ZLIB_CHUNK_BYTES, ZLIB_QUEUE_BYTES } from './encoder.js';
import { sampleEvent, seededRandom } from './test-support/sample-events.js';

function collector(): { sink: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  return { sink, bytes: () => Buffer.concat(chunks) };
}

async function encode(lines: readonly string[]): Promise<Buffer> {
  const { sink, bytes } = collector();
  const encoder = new NdjsonGzipEncoder(sink);
  for (const line of lines) await encoder.writeLine(Buffer.from(line));
  await encoder.end();
  return bytes();
}

function sampleLines(count: number, seed = 7): string[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_unused, index) => sampleEvent(random, 1_700_000_000_000 + index));
}

afterEach(() => vi.restoreAllMocks());

describe('NdjsonGzipEncoder', () => {
  it('writes every line followed by a newline, gzip-compressed', async () => {
    const lines = sampleLines(500);
    const text = zlib.gunzipSync(await encode(lines)).toString();
    expect(text).toBe(lines.map((line) => `${line}\n`).join(''));
    expect(text.endsWith('\n')).toBe(true);
  });

  it('gives byte-identical output for identical input', async () => {
    const lines = sampleLines(2000);
    const first = await encode(lines);
    const second = await encode(lines);
    expect(first.equals(second)).toBe(true);
  });

  it('writes ONE standard gzip member: zlib header, one deflate stream, CRC-32 and length trailer', async () => {
    const lines = sampleLines(6000); // ~2.6 MB: several chunks deflated apart
    const ndjson = Buffer.from(lines.map((line) => `${line}\n`).join(''));
    const member = await encode(lines);
    expect(member.subarray(0, 10).equals(zlib.gzipSync(Buffer.alloc(0)).subarray(0, 10))).toBe(true);
    // inflateRawSync refuses trailing garbage after the final block, so the body is exactly one stream.
    expect(zlib.inflateRawSync(member.subarray(10, -8)).equals(ndjson)).toBe(true);
    expect(member.readUInt32LE(member.length - 8)).toBe(zlib.crc32(ndjson));
    expect(member.readUInt32LE(member.length - 4)).toBe(ndjson.length);
    // Within 1% of one-shot gzip at the same level (each chunk starts without the previous window).
    expect(member.length).toBeLessThan(zlib.gzipSync(ndjson, { level: GZIP_LEVEL }).length * 1.01);
  });

  it('hands the deflate thread fixed chunks of at least 64 KiB, never one job per event', async () => {
    const writes: number[] = [];
    const counting: MemberOpener = {
      openMember(level) {
        const member = deflatePool.openMember(level);
        return {
          deflate: (chunk, last) => {
            writes.push(chunk.byteLength);
            return member.deflate(chunk, last);
          },
          abandon: () => member.abandon(),
        };
      },
    };
    const lines = sampleLines(3000); // ~1.3 MB: several full chunks
    const total = lines.reduce((sum, line) => sum + line.length + 1, 0);
    const { sink } = collector();
    const encoder = new NdjsonGzipEncoder(sink, { deflate: counting });
    for (const line of lines) await encoder.writeLine(Buffer.from(line));
    await encoder.end();
    expect(writes.length).toBe(Math.ceil(total / ZLIB_CHUNK_BYTES));
    expect(ZLIB_CHUNK_BYTES).toBeGreaterThanOrEqual(64 * 1024);
    expect(writes.slice(0, -1).every((size) => size === ZLIB_CHUNK_BYTES)).toBe(true);
    expect(writes.reduce((sum, size) => sum + size, 0)).toBe(total);
  });

  it('fills chunks the deflate thread gave back to an earlier encoder instead of allocating new ones', async () => {
    const line = 'x'.repeat(1000);
    const lines = Array.from({ length: Math.ceil((3 * ZLIB_CHUNK_BYTES) / (line.length + 1)) }, () => line);
    await encode(lines);
    const allocate = vi.spyOn(Buffer, 'allocUnsafe');
    const output = await encode(lines);
    expect(allocate.mock.calls.filter(([bytes]) => bytes === ZLIB_CHUNK_BYTES)).toHaveLength(0);
    expect(zlib.gunzipSync(output).toString()).toBe(lines.map((text) => `${text}\n`).join(''));
  });

  it('keeps the objects of encoders running at once apart while they share returned chunks', async () => {
    // 1,023 bytes and a newline: 1,024 lines fill a chunk exactly, so the last piece is a whole chunk.
    const exact = Array.from({ length: 3 * 1024 }, (_, index) => String(index % 10).repeat(1023));
    await encode(exact);
    const batches = [exact, sampleLines(6000, 11), sampleLines(6000, 12), exact.slice(0, 2048)];
    const outputs = await Promise.all(batches.map((lines) => encode(lines)));
    outputs.forEach((output, index) => expect(zlib.gunzipSync(output).toString()).toBe(batches[index]!.map((line) => `${line}\n`).join('')));
  });

  it('handles a line larger than a chunk and an empty input', async () => {
    const big = `{"text":"${'x'.repeat(3 * ZLIB_CHUNK_BYTES)}"}`;
    expect(zlib.gunzipSync(await encode(['{"a":1}', big, '{"b":2}'])).toString()).toBe(`{"a":1}\n${big}\n{"b":2}\n`);
    expect(zlib.gunzipSync(await encode([])).length).toBe(0);
  });

  it('waits for a slow sink (backpressure) instead of buffering the batch', async () => {
    const slow = new PassThrough({ highWaterMark: 1024 });
    const encoder = new NdjsonGzipEncoder(slow, { level: 0 });
    const random = seededRandom(3);
    const lines = Array.from({ length: 40_000 }, (_unused, index) => Buffer.from(sampleEvent(random, index))); // ~18 MB
    let settled = false;
    const writing = (async () => {
      for (const line of lines) await encoder.writeLine(line);
      settled = true;
    })();
    // Nobody reads the sink: give the pipeline time to fill every buffer it has, then look.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(settled).toBe(false);
    // What the encoder accepted is bounded by its queue, one staging chunk and the streams' buffers, not the batch.
    expect(encoder.uncompressedBytes).toBeLessThan(ZLIB_QUEUE_BYTES + 4 * ZLIB_CHUNK_BYTES);
    slow.resume();
    await writing;
    await encoder.end();
    expect(encoder.lines).toBe(lines.length);
  });

  it('takes each line whole before returning, so backpressure may be awaited once per run of lines', async () => {
    // The uploader's pattern: a read chunk's lines written back to back, their memory reused at once,
    // and the backpressure promises awaited after the run. Small chunks and queue, so lines span
    // chunks and backpressure comes often.
    const { sink, bytes } = collector();
    const encoder = new NdjsonGzipEncoder(sink, { chunkBytes: 64 * 1024, queueBytes: 128 * 1024 });
    const lines = sampleLines(6000, 13);
    const scratch = Buffer.alloc(64 * 1024);
    let behind: Promise<void>[] = [];
    let awaited = 0;
    for (const [index, line] of lines.entries()) {
      const length = scratch.write(line);
      const backpressure = encoder.writeLine(scratch.subarray(0, length));
      scratch.fill(0x21, 0, length);
      if (backpressure) behind.push(backpressure);
      if (index % 2000 === 1999) {
        awaited += behind.length;
        await Promise.all(behind);
        behind = [];
      }
    }
    await Promise.all(behind);
    await encoder.end();
    expect(awaited).toBeGreaterThan(0);
    expect(zlib.gunzipSync(bytes()).toString()).toBe(lines.map((line) => `${line}\n`).join(''));
  });

  it('surfaces a sink failure on the next write', async () => {
    const failing = new Writable({ write: (_chunk, _encoding, callback) => callback(new Error('disk gone')) });
    const encoder = new NdjsonGzipEncoder(failing, { level: 1 });
    const random = seededRandom(5);
    await expect((async () => {
      for (let index = 0; index < 5000; index++) await encoder.writeLine(Buffer.from(sampleEvent(random, index)));
      await encoder.end();
    })()).rejects.toThrow('disk gone');
  });
});
