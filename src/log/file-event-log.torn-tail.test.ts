/**
 * Torn and corrupt tails: whatever a crash leaves at the end of the last segment, reopening keeps
 * every record wholly before the damage, returns nothing after it, says so in a warning, and takes
 * appends again that survive one more reopen.
 */
import { cp, open, readdir, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readAll } from './conformance.js';
import type { StoredRecord } from './event-log.js';
import { FileEventLog } from './file-event-log.js';
import { RecordingLogger } from './test-support/recording-logger.js';
import { useTempDirectories } from './test-support/temp-directories.js';

const tempDirectory = useTempDirectories('sluice-torn-');
const STREAM = 'torn-stream';
const SEGMENT_BYTES = 2048;
const MAX_BYTES = 1024 ** 3;

interface Fixture {
  directory: string;
  records: StoredRecord[];
  lastSegmentPath: string;
  lastSegmentBase: number;
  lastSegmentSize: number;
}

let fixture: Fixture;

beforeAll(async () => {
  const directory = await tempDirectory();
  const log = await FileEventLog.open({ directory, maxBytes: MAX_BYTES, segmentBytes: SEGMENT_BYTES });
  for (let index = 0; index < 40; index++) {
    const size = 10 + ((index * 37) % 140);
    const count = index % 5 === 0 ? 3 : 1;
    await log.append(
      STREAM,
      Array.from({ length: count }, (_, part) => ({ timestamp: 1_700_000_000_000 + index, data: Buffer.from(`${index}.${part}:`.padEnd(size, 'abc')) })),
    );
  }
  const records = await readAll(log, STREAM, 0);
  await log.close();
  const streamDirectory = join(directory, 'streams', STREAM);
  const segments = (await readdir(streamDirectory)).filter((name) => name.endsWith('.seg')).sort();
  expect(segments.length).toBeGreaterThan(2);
  const lastName = segments.at(-1)!;
  const lastSegmentPath = join(streamDirectory, lastName);
  fixture = {
    directory,
    records,
    lastSegmentPath,
    lastSegmentBase: Number(lastName.slice(0, 20)),
    lastSegmentSize: (await stat(lastSegmentPath)).size,
  };
});

/**
 * Positions in the last segment to damage: for each record, the given distances from its start (its
 * length, CRC, timestamp and payload fields), its last byte, and a spread in between.
 */
function damagePositions(deltas: readonly number[]): number[] {
  const { records, lastSegmentBase, lastSegmentSize } = fixture;
  const positions = new Set<number>();
  for (const record of records) {
    const start = record.offset - lastSegmentBase;
    if (start < 0) continue;
    for (const delta of deltas) positions.add(start + delta);
    positions.add(record.nextOffset - lastSegmentBase - 1);
  }
  for (let position = 0; position < lastSegmentSize; position += 97) positions.add(position);
  return [...positions].filter((position) => position >= 0 && position < lastSegmentSize).sort((a, b) => a - b);
}

async function damagedCopy(damage: (segmentPath: string) => Promise<void>): Promise<string> {
  const directory = await tempDirectory();
  await cp(fixture.directory, directory, { recursive: true });
  await damage(join(directory, fixture.lastSegmentPath.slice(fixture.directory.length)));
  return directory;
}

/**
 * Reopens a damaged copy and checks it: `intactEnd` is the segment position up to which records must
 * survive; `expectWarning` whether bytes had to be dropped.
 */
async function expectRecovered(directory: string, intactEnd: number, expectWarning: boolean): Promise<void> {
  const { records, lastSegmentBase } = fixture;
  const survivors = records.filter((record) => record.nextOffset - lastSegmentBase <= intactEnd);
  const logger = new RecordingLogger();
  let log = await FileEventLog.open({ directory, maxBytes: MAX_BYTES, segmentBytes: SEGMENT_BYTES, logger });
  const read = await readAll(log, STREAM, 0);
  expect(read.map(summary)).toEqual(survivors.map(summary));
  expect(log.endOffset(STREAM)).toBe(lastSegmentBase + intactEnd);
  const warnings = logger.warnings();
  if (expectWarning) {
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.fields).toMatchObject({ stream: STREAM, offset: lastSegmentBase + intactEnd });
    expect(warnings[0]!.fields.segment).toContain('.seg');
    expect(warnings[0]!.fields.bytesDropped).toBeGreaterThan(0);
  } else {
    expect(warnings).toHaveLength(0);
  }
  const appended = await log.append(STREAM, [{ timestamp: 7, data: Buffer.from('after recovery') }]);
  expect(appended.firstOffset).toBe(lastSegmentBase + intactEnd);
  await log.close();
  log = await FileEventLog.open({ directory, maxBytes: MAX_BYTES, segmentBytes: SEGMENT_BYTES });
  const again = await readAll(log, STREAM, 0);
  expect(again.map(summary)).toEqual([...survivors.map(summary), `${appended.firstOffset}@7:after recovery`]);
  await log.close();
}

function summary(record: StoredRecord): string {
  return `${record.offset}@${record.timestamp}:${record.data.toString()}`;
}

/** Position (in the last segment) of the start of the record holding `position`. */
function recordStartAt(position: number): number {
  const { records, lastSegmentBase } = fixture;
  const holder = records.find((record) => record.offset - lastSegmentBase <= position && position < record.nextOffset - lastSegmentBase);
  return holder!.offset - lastSegmentBase;
}

describe('FileEventLog torn-tail recovery', () => {
  it('keeps every whole record before a truncation anywhere in the last segment', async () => {
    const boundaries = new Set(fixture.records.map((record) => record.nextOffset - fixture.lastSegmentBase));
    boundaries.add(0);
    // Boundaries, a byte after (short header), mid header, header end (no payload), mid payload.
    for (const position of damagePositions([0, 1, 8, 16, 17])) {
      const directory = await damagedCopy((path) => truncate(path, position));
      const intactEnd = boundaries.has(position) ? position : recordStartAt(position);
      await expectRecovered(directory, intactEnd, !boundaries.has(position));
    }
  });

  it('drops the record holding a flipped byte and everything after it', async () => {
    // Length, CRC, timestamp, first payload byte (and each record's last byte).
    for (const position of damagePositions([1, 5, 10, 16])) {
      const directory = await damagedCopy(async (path) => {
        const handle = await open(path, 'r+');
        const byte = Buffer.alloc(1);
        await handle.read(byte, 0, 1, position);
        byte[0] = byte[0]! ^ 0x5a;
        await handle.write(byte, 0, 1, position);
        await handle.close();
      });
      await expectRecovered(directory, recordStartAt(position), true);
    }
  });

  it('drops a zero-filled tail (file grown, data never written)', async () => {
    const directory = await damagedCopy(async (path) => truncate(path, fixture.lastSegmentSize + 100));
    await expectRecovered(directory, fixture.lastSegmentSize, true);
  });
});
