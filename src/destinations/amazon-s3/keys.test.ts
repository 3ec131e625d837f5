import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dayFolder, objectKey, parseBucketSetting, receivedDayOf, thirteenDigits } from './keys.js';

const day = Date.UTC(2023, 10, 15); // 1700006400000

describe('keys', () => {
  it('puts a record in the UTC midnight (13-digit ms) of its receive time', () => {
    expect(day).toBe(1_700_006_400_000);
    expect(receivedDayOf(day)).toBe(day);
    expect(receivedDayOf(day + 86_400_000 - 1)).toBe(day);
    expect(receivedDayOf(day + 86_400_000)).toBe(day + 86_400_000);
    expect(receivedDayOf(day - 1)).toBe(day - 86_400_000);
  });

  it('builds {prefix/}segment-logs/{sourceId}/{receivedDay}/{receivedAt}.{offset}.{node}.gz', () => {
    const parts = { prefix: '', sourceId: 'src_1', receivedDay: day, firstReceivedAt: day + 123, firstOffset: 4096, nodeId: 'node-a' };
    expect(objectKey(parts)).toBe('segment-logs/src_1/1700006400000/1700006400123.0000000000004096.node-a.gz');
    expect(objectKey({ ...parts, prefix: 'path/prefix/' })).toBe('path/prefix/segment-logs/src_1/1700006400000/1700006400123.0000000000004096.node-a.gz');
    expect(dayFolder('', 'src_1', day)).toBe('segment-logs/src_1/1700006400000/');
  });

  it('is deterministic and sorts lexically in arrival order', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 86_399_999 }), fc.integer({ min: 0, max: 2 ** 53 - 1 })), { minLength: 2, maxLength: 50 }),
      (pairs) => {
        // Arrival order: receive time, then log position (what a node's log preserves).
        const sorted = [...pairs].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        const keys = sorted.map(([at, offset]) => objectKey({ prefix: '', sourceId: 's', receivedDay: day, firstReceivedAt: day + at, firstOffset: offset, nodeId: 'n1' }));
        expect([...keys].sort()).toEqual(keys);
        expect(keys.map((_key, index) => objectKey({ prefix: '', sourceId: 's', receivedDay: day, firstReceivedAt: day + sorted[index]![0], firstOffset: sorted[index]![1], nodeId: 'n1' }))).toEqual(keys);
      },
    ));
  });

  it('keeps objects of different nodes apart', () => {
    const parts = { prefix: '', sourceId: 's', receivedDay: day, firstReceivedAt: day, firstOffset: 0 };
    expect(objectKey({ ...parts, nodeId: 'a' })).not.toBe(objectKey({ ...parts, nodeId: 'b' }));
  });

  it('refuses node ids, source ids and times that would break the layout', () => {
    const parts = { prefix: '', sourceId: 's', receivedDay: day, firstReceivedAt: day, firstOffset: 0, nodeId: 'n' };
    expect(() => objectKey({ ...parts, nodeId: 'a/b' })).toThrow(/Node id/);
    expect(() => objectKey({ ...parts, nodeId: '' })).toThrow(/Node id/);
    expect(() => objectKey({ ...parts, sourceId: '../x' })).toThrow(/Source id/);
    expect(() => objectKey({ ...parts, firstOffset: -1 })).toThrow(/Offset/);
    expect(() => thirteenDigits(1e13)).toThrow(RangeError);
    expect(thirteenDigits(999_999_999_999)).toBe('0999999999999');
  });

  it('splits the bucket setting into bucket and prefix, as Segment\'s custom path prefix', () => {
    expect(parseBucketSetting('mytestbucket')).toEqual({ bucket: 'mytestbucket', prefix: '' });
    expect(parseBucketSetting('mytestbucket/path/prefix')).toEqual({ bucket: 'mytestbucket', prefix: 'path/prefix/' });
    expect(parseBucketSetting('mytestbucket/path/prefix/')).toEqual({ bucket: 'mytestbucket', prefix: 'path/prefix/' });
    expect(parseBucketSetting('s3://mytestbucket//a')).toEqual({ bucket: 'mytestbucket', prefix: 'a/' });
  });
});
