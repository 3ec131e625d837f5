import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeFrames, encodePackedFrames, FRAME_HEADER_BYTES, framedSize, frameTimestamp, packedFramedSize, probeFrame, wholeFramePayload } from './frame-codec.js';

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
      expect(packedFramedSize(packed)).toBe(framedSize(asRecords));
      const fromPacked = Buffer.alloc(packedFramedSize(packed) + 5);
      const fromRecords = Buffer.alloc(framedSize(asRecords) + 5);
      expect(encodePackedFrames(fromPacked, 5, packed)).toBe(fromPacked.length);
      expect(encodeFrames(fromRecords, 5, asRecords)).toBe(fromRecords.length);
      expect(fromPacked).toEqual(fromRecords);
    }
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
