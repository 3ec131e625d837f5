import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeFrames, encodePackedFrames, FRAME_HEADER_BYTES, framedSize, frameHeaderAt, frameTimestamp, packedFramedSize, probeFrame, wholeFramePayload } from './frame-codec.js';

const records = [
  { timestamp: 1_700_000_000_000, data: Buffer.from('first') },
  { timestamp: 1_700_000_000_000, data: Buffer.from('second, same timestamp') },
  { timestamp: 2 ** 40 + 7, data: Buffer.from('') },
  { timestamp: 1_700_000_000_000, data: Buffer.from('back to the first timestamp') },
  { timestamp: 0, data: Buffer.from('epoch') },
];

function encoded(): Buffer {
  const bytes = Buffer.alloc(framedSize(records));
  expect(encodeFrames(bytes, 0, records)).toBe(bytes.length);
  return bytes;
}

/** Something to encode: its size, and how to encode it at a position of a buffer (returning the end). */
interface Encoding {
  readonly bytes: number;
  readonly encode: (target: Buffer, position: number) => number;
}

/** Encodes both after 5 bytes of lead; each must fill its buffer exactly, and the bytes must agree. */
function expectSameBytes(first: Encoding, second: Encoding): void {
  expect(first.bytes).toBe(second.bytes);
  const [a, b] = [first, second].map((encoding) => {
    const target = Buffer.alloc(encoding.bytes + 5);
    expect(encoding.encode(target, 5)).toBe(target.length);
    return target;
  });
  expect(a).toEqual(b);
}

describe('frame codec', () => {
  it('encodes packed records to the same bytes as the same records one object each', () => {
    for (const timestamp of [1_700_000_000_000, 2 ** 40 + 7, 0]) {
      const texts = ['first', '', 'ünïcödé', 'x'.repeat(3_000)];
      const source = Buffer.from(`pad${texts.join('')}pad`);
      const positions = new Uint32Array(texts.length * 2);
      let at = 3;
      texts.forEach((piece, index) => {
        positions[index * 2] = at;
        positions[index * 2 + 1] = Buffer.byteLength(piece);
        at += Buffer.byteLength(piece);
      });
      const packed = { timestamp, bytes: new Uint8Array(source.buffer, source.byteOffset, source.byteLength), positions };
      const asRecords = texts.map((piece) => ({ timestamp, data: Buffer.from(piece) }));
      expectSameBytes(
        { bytes: packedFramedSize(packed), encode: (target, position) => encodePackedFrames(target, position, packed) },
        { bytes: framedSize(asRecords), encode: (target, position) => encodeFrames(target, position, asRecords) },
      );
    }
  });

  it('copies framed records as they lie, to the same bytes as the records encoded here, runs and gaps alike', () => {
    const timestamp = 1_700_000_000_123;
    const texts = ['first', '', 'ünïcödé', 'x'.repeat(3_000), 'after a gap'];
    // Frames back to back, then a gap of 9 bytes before the last one (an event rejected after encoding).
    const source = Buffer.alloc(texts.reduce((sum, piece) => sum + FRAME_HEADER_BYTES + Buffer.byteLength(piece), 0) + 9 + 4, 0x3f);
    const positions = new Uint32Array(texts.length * 2);
    let at = 4;
    texts.forEach((piece, index) => {
      if (index === texts.length - 1) at += 9;
      const length = source.write(piece, at + FRAME_HEADER_BYTES);
      frameHeaderAt(source, at, length, timestamp);
      positions[index * 2] = at + FRAME_HEADER_BYTES;
      positions[index * 2 + 1] = length;
      at += FRAME_HEADER_BYTES + length;
    });
    // The third record twice and the first last: a run may break anywhere.
    const reordered = new Uint32Array([...positions.slice(0, 8), ...positions.slice(4, 6), ...positions.slice(8), ...positions.slice(0, 2)]);
    for (const order of [positions, reordered]) {
      const framed = { timestamp, bytes: new Uint8Array(source.buffer, source.byteOffset, source.byteLength), positions: order, framed: true };
      const plain = { ...framed, framed: false };
      expectSameBytes(
        { bytes: packedFramedSize(framed), encode: (target, position) => encodePackedFrames(target, position, framed) },
        { bytes: packedFramedSize(plain), encode: (target, position) => encodePackedFrames(target, position, plain) },
      );
    }
  });

  it('refuses framed records whose header is missing or is for another length or time', () => {
    const source = Buffer.alloc(FRAME_HEADER_BYTES + 5);
    source.write('hello', FRAME_HEADER_BYTES);
    frameHeaderAt(source, 0, 5, 42);
    const packed = (positions: number[], timestamp = 42) => ({ timestamp, bytes: new Uint8Array(source), positions: new Uint32Array(positions), framed: true });
    expect(packedFramedSize(packed([FRAME_HEADER_BYTES, 5]))).toBe(FRAME_HEADER_BYTES + 5);
    expect(() => packedFramedSize(packed([FRAME_HEADER_BYTES, 5], 43))).toThrow(/not preceded by its frame header/);
    // The time is checked as two 32-bit words: a time that differs only in the high word is refused too.
    expect(() => packedFramedSize(packed([FRAME_HEADER_BYTES, 5], 42 + 2 ** 32))).toThrow(/not preceded by its frame header/);
    expect(() => packedFramedSize(packed([FRAME_HEADER_BYTES + 1, 4]))).toThrow(RangeError);
    expect(() => packedFramedSize(packed([3, 5]))).toThrow(RangeError);
  });

  it('writes the documented layout: the CRC is zlib CRC-32 over timestamp and payload', () => {
    const bytes = encoded();
    let at = 0;
    for (const record of records) {
      const length = bytes.readUInt32BE(at);
      expect(length).toBe(record.data.byteLength);
      expect(bytes.readUInt32BE(at + 8) * 2 ** 32 + bytes.readUInt32BE(at + 12)).toBe(record.timestamp);
      expect(bytes.readUInt32BE(at + 4)).toBe(crc32(bytes.subarray(at + 8, at + FRAME_HEADER_BYTES + length)));
      at += FRAME_HEADER_BYTES + length;
    }
  });

  it('reads back every frame, the payload as a view of the probed bytes', () => {
    const bytes = encoded();
    let at = 0;
    for (const record of records) {
      const probe = probeFrame(bytes, at, bytes.length, bytes.length - at);
      if (probe.kind !== 'record') throw new Error(`expected a record at ${at}, got ${probe.kind}`);
      expect([probe.timestamp, probe.payload.toString()]).toEqual([record.timestamp, record.data.toString()]);
      expect(probe.payload.buffer).toBe(bytes.buffer);
      at += FRAME_HEADER_BYTES + probe.payloadLength;
    }
  });

  it('refuses a frame whose timestamp or payload changed, whichever timestamp was checked last', () => {
    for (const [offset, value] of [
      [8 + 3, 0x01],
      [12 + 3, 0x01],
      [FRAME_HEADER_BYTES, 0x20],
    ] as const) {
      const bytes = encoded();
      bytes[offset] = bytes[offset]! ^ value;
      // The same timestamp was just checked intact (a cached timestamp CRC must not hide the change).
      expect(probeFrame(encoded(), 0, 100, 100).kind).toBe('record');
      expect(probeFrame(bytes, 0, bytes.length, bytes.length)).toEqual({ kind: 'corrupt', reason: 'CRC mismatch' });
    }
  });

  it('refuses a frame whose timestamp bytes are no safe integer (never appended)', () => {
    const bytes = encoded();
    bytes.writeUInt32BE(0xffff_ffff, 8);
    expect(probeFrame(bytes, 0, bytes.length, bytes.length)).toEqual({ kind: 'corrupt', reason: 'CRC mismatch' });
    bytes.writeUInt32BE(crc32(bytes.subarray(8, FRAME_HEADER_BYTES + records[0]!.data.byteLength)), 4);
    // Checksummed as written, it still reads (the CRC path for such bytes is the plain one).
    expect(probeFrame(bytes, 0, bytes.length, bytes.length).kind).toBe('record');
  });

  it('the fast check gives the payload of a whole frame only, agreeing with the probe', () => {
    const bytes = encoded();
    expect(wholeFramePayload(bytes, 0, bytes.length, bytes.length)?.toString()).toBe('first');
    expect(frameTimestamp(bytes, 0)).toBe(records[0]!.timestamp);
    const whole = FRAME_HEADER_BYTES + 5;
    for (const [available, left] of [
      [whole - 1, bytes.length],
      [10, bytes.length],
      [bytes.length, whole - 1],
    ] as const) {
      expect(wholeFramePayload(bytes, 0, available, left)).toBeUndefined();
      expect(probeFrame(bytes, 0, available, left).kind).not.toBe('record');
    }
    bytes[whole - 1] = bytes[whole - 1]! ^ 1;
    expect(wholeFramePayload(bytes, 0, bytes.length, bytes.length)).toBeUndefined();
  });

  it('tells an incomplete frame from an impossible one', () => {
    const bytes = encoded();
    expect(probeFrame(bytes, 0, 10, bytes.length)).toEqual({ kind: 'incomplete', frameBytes: FRAME_HEADER_BYTES });
    expect(probeFrame(bytes, 0, 18, bytes.length)).toEqual({ kind: 'incomplete', frameBytes: FRAME_HEADER_BYTES + 5 });
    expect(probeFrame(bytes, 0, bytes.length, 20).kind).toBe('corrupt');
  });
});
