import { spawnSync } from 'node:child_process';
import { open, readdir, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { SluiceError } from '../errors/index.js';
import { describeEventLogConformance } from './conformance.js';
import { LOCK_DATABASE_NAME, LOCK_FILE_NAME } from './directory-lock.js';
import { defaultDurableWrite, DurableWriteError, writeThenSync, type DurableWrite } from './durable-write.js';
import type { AppendRecord, EventLog } from './event-log.js';
import { FileEventLog } from './file-event-log.js';
import { FRAME_HEADER_BYTES } from './frame-codec.js';
import { InvalidOffsetError, LogCorruptionError } from './log-errors.js';
import { RecordingLogger } from './test-support/recording-logger.js';
import { useTempDirectories } from './test-support/temp-directories.js';

const tempDirectory = useTempDirectories();
const directories = new WeakMap<EventLog, { directory: string; maxBytes: number }>();
const CONFORMANCE_SEGMENT_BYTES = 4096;

async function openIn(directory: string, maxBytes: number): Promise<FileEventLog> {
  const log = await FileEventLog.open({ directory, maxBytes, segmentBytes: CONFORMANCE_SEGMENT_BYTES });
  directories.set(log, { directory, maxBytes });
  return log;
}

// Small segments, so the conformance run also exercises rolling and retention.
describeEventLogConformance('FileEventLog', {
  create: async (options) => openIn(await tempDirectory(), options?.maxBytes ?? 1024 ** 3),
  reopen: async (log) => {
    const { directory, maxBytes } = directories.get(log)!;
    await log.close();
    return openIn(directory, maxBytes);
  },
  retentionGranularityBytes: CONFORMANCE_SEGMENT_BYTES,
});

const ROOMY = 1024 ** 3;
const record = (text: string, timestamp = 1): AppendRecord => ({ timestamp, data: Buffer.from(text) });

describe('FileEventLog', () => {
  it('shares syncs between concurrent appends (group commit)', async () => {
    const log = await FileEventLog.open({ directory: await tempDirectory(), maxBytes: ROOMY });
    const payload = Buffer.alloc(400, 'x');
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        for (let index = 0; index < 20; index++) await log.append('s', [{ timestamp: index, data: payload }]);
      }),
    );
    const stats = log.stats();
    expect(stats.appends).toBe(1000);
    expect(stats.records).toBe(1000);
    expect(stats.bytes).toBe(1000 * (FRAME_HEADER_BYTES + 400));
    expect(stats.syncs).toBeLessThan(stats.appends / 10);
    expect((await log.backlog('s', 0)).records).toBe(1000);
    await log.close();
  });

  it('uses byte positions as offsets and names segments by zero-padded base offset', async () => {
    const directory = await tempDirectory();
    const log = await FileEventLog.open({ directory, maxBytes: ROOMY, segmentBytes: 1024 });
    const first = await log.append('s', [record('a'.repeat(100)), record('b'.repeat(50))]);
    expect(first).toEqual({ firstOffset: 0, nextOffset: 2 * FRAME_HEADER_BYTES + 150 });
    for (let index = 0; index < 30; index++) await log.append('s', [record(`r${index}`.padEnd(200, '.'))]);
    await log.close();
    const streamDirectory = join(directory, 'streams', 's');
    const names = (await readdir(streamDirectory)).filter((name) => name.endsWith('.seg'));
    expect(names.length).toBeGreaterThan(3);
    expect(names[0]).toBe('00000000000000000000.seg');
    expect([...names].sort()).toEqual(names);
    let expectedBase = 0;
    for (const name of names) {
      expect(Number(name.slice(0, 20))).toBe(expectedBase);
      const { size } = await stat(join(streamDirectory, name));
      expect(size).toBeLessThanOrEqual(1024);
      expectedBase += size;
    }
  });

  it('gives an append larger than a segment a segment of its own', async () => {
    const directory = await tempDirectory();
    const log = await FileEventLog.open({ directory, maxBytes: ROOMY, segmentBytes: 1024 });
    await log.append('s', [record('small')]);
    const big = await log.append('s', [record('b'.repeat(3000)), record('c'.repeat(10))]);
    const after = await log.append('s', [record('after')]);
    await log.close();
    const names = (await readdir(join(directory, 'streams', 's'))).filter((name) => name.endsWith('.seg'));
    expect(names.map((name) => Number(name.slice(0, 20)))).toEqual([0, big.firstOffset, after.firstOffset]);
    expect(big.firstOffset).toBe(FRAME_HEADER_BYTES + 5);
  });

  it('applies one disk budget to all streams together', async () => {
    const log = await FileEventLog.open({ directory: await tempDirectory(), maxBytes: 1000 });
    await log.append('one', [record('x'.repeat(600))]);
    await expect(log.append('two', [record('y'.repeat(600))])).rejects.toMatchObject({ code: 'log_full' });
    await log.append('two', [record('y'.repeat(300))]);
    expect(log.usage().bytes).toBe(2 * FRAME_HEADER_BYTES + 900);
    expect(log.streams().sort()).toEqual(['one', 'two']);
    await log.close();
  });

  it('encodes stream names safely and keeps them distinct across a reopen', async () => {
    const directory = await tempDirectory();
    const names = ['../escape', 'a/b', 'A', 'a', '.', 'ünï cødé', 'src_1-x'];
    let log = await FileEventLog.open({ directory, maxBytes: ROOMY });
    for (const name of names) await log.append(name, [record(name)]);
    await log.close();
    // The lock's database file stays (removing it could let two processes lock two different files).
    expect((await readdir(directory)).sort()).toEqual([LOCK_DATABASE_NAME, 'streams']);
    log = await FileEventLog.open({ directory, maxBytes: ROOMY });
    expect(log.streams().sort()).toEqual([...names].sort());
    for (const name of names) expect((await log.read(name, 0)).map((stored) => stored.data.toString())).toEqual([name]);
    await expect(log.append('', [record('x')])).rejects.toThrow(RangeError);
    await log.close();
  });

  it('refuses a second open of a directory in use, and takes over the lock of a dead process', async () => {
    const directory = await tempDirectory();
    const log = await FileEventLog.open({ directory, maxBytes: ROOMY });
    await expect(FileEventLog.open({ directory, maxBytes: ROOMY })).rejects.toThrow(/in use by process/);
    await log.append('s', [record('kept')]);
    await log.close();

    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
    await writeFile(join(directory, LOCK_FILE_NAME), `${deadPid}\n`);
    const logger = new RecordingLogger();
    const reopened = await FileEventLog.open({ directory, maxBytes: ROOMY, logger });
    expect(logger.warnings().some((entry) => entry.fields.stalePid === String(deadPid))).toBe(true);
    expect((await reopened.read('s', 0)).map((stored) => stored.data.toString())).toEqual(['kept']);
    await reopened.close();
  });

  it('rejects a read from inside a record as a caller bug', async () => {
    const log = await FileEventLog.open({ directory: await tempDirectory(), maxBytes: ROOMY });
    const { firstOffset } = await log.append('s', [record('x'.repeat(100)), record('y'.repeat(100))]);
    await expect(log.read('s', firstOffset + 5)).rejects.toThrow(InvalidOffsetError);
    await log.close();
  });

  it('opens despite damage in an earlier segment; the reader stops there with a clear error', async () => {
    const directory = await tempDirectory();
    let log = await FileEventLog.open({ directory, maxBytes: ROOMY, segmentBytes: 1024 });
    for (let index = 0; index < 20; index++) await log.append('s', [record(`r${index}`.padEnd(200, '.'))]);
    await log.close();
    const firstSegment = join(directory, 'streams', 's', '00000000000000000000.seg');
    await flipByte(firstSegment, 300);
    log = await FileEventLog.open({ directory, maxBytes: ROOMY, segmentBytes: 1024 });
    expect(log.endOffset('s')).toBe(20 * (FRAME_HEADER_BYTES + 200));
    const page = await log.read('s', 0, { maxRecords: 1 });
    expect(page).toHaveLength(1);
    await expect(log.read('s', page[0]!.nextOffset)).rejects.toThrow(LogCorruptionError);
    await log.append('s', [record('still writable')]);
    await log.close();
  });

  it('writes nothing to disk when an append would exceed the budget', async () => {
    const directory = await tempDirectory();
    const log = await FileEventLog.open({ directory, maxBytes: 1000 });
    await log.append('s', [record('x'.repeat(500))]);
    const error = await log.append('s', [record('y'.repeat(100)), record('z'.repeat(400))]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SluiceError);
    expect(error).toMatchObject({ code: 'log_full', statusCode: 503 });
    expect((await stat(join(directory, 'streams', 's', '00000000000000000000.seg'))).size).toBe(516);
    expect(log.usage()).toEqual({ bytes: 516, maxBytes: 1000 });
    expect(log.isWritable()).toBe(true);
    await log.close();
  });

  it('never wedges on a small budget: a consumer keeping up frees room forever', async () => {
    const log = await FileEventLog.open({ directory: await tempDirectory(), maxBytes: 4096 });
    for (let index = 0; index < 60; index++) {
      const { nextOffset } = await log.append('s', [record(`r${index}`.padEnd(300, '.'))]);
      await log.commitCursor('s', 'keeping-up', nextOffset);
    }
    expect(log.usage().bytes).toBeLessThanOrEqual(4096);
    await log.close();
  });

  it('deletes consumed segment files and remembers cursors and the start across a reopen', async () => {
    const directory = await tempDirectory();
    let log = await FileEventLog.open({ directory, maxBytes: ROOMY, segmentBytes: 1024 });
    for (let index = 0; index < 20; index++) await log.append('s', [record(`r${index}`.padEnd(200, '.'))]);
    const records = await log.read('s', 0, { maxRecords: 100 });
    await log.commitCursor('s', 'c', records[12]!.offset);
    const start = log.startOffset('s');
    expect(start).toBeGreaterThan(0);
    const segmentFiles = async (): Promise<string[]> => (await readdir(join(directory, 'streams', 's'))).filter((name) => name.endsWith('.seg'));
    expect(await segmentFiles()).not.toContain('00000000000000000000.seg');
    const usage = log.usage();
    await log.close();
    log = await FileEventLog.open({ directory, maxBytes: ROOMY, segmentBytes: 1024 });
    expect(log.startOffset('s')).toBe(start);
    expect(log.cursor('s', 'c')).toBe(records[12]!.offset);
    expect(log.usage()).toEqual(usage);
    expect((await log.read('s', 0, { maxRecords: 1 }))[0]!.offset).toBe(start);
    await log.close();
  });

  it('keeps consumed segments near the end for the deduplicator, unless the budget is half used', async () => {
    const directory = await tempDirectory();
    // 20 records of ~215 framed bytes in 1 KiB segments; everything consumed; keep the last ~2 KiB.
    let log = await FileEventLog.open({ directory, maxBytes: ROOMY, segmentBytes: 1024, keepConsumedBytes: 2048 });
    for (let index = 0; index < 20; index++) await log.append('s', [record(`r${index}`.padEnd(200, '.'))]);
    await log.commitCursor('s', 'c', log.endOffset('s'));
    const end = log.endOffset('s');
    // Segments ending inside the last 2 KiB stay readable; older consumed ones are gone.
    expect(log.startOffset('s')).toBeGreaterThan(0);
    expect(end - log.startOffset('s')).toBeGreaterThanOrEqual(2048 - 1024);
    expect(end - log.startOffset('s')).toBeLessThanOrEqual(2048 + 1024);
    const kept = await log.read('s', log.startOffset('s'), { maxRecords: 100 });
    expect(kept.at(-1)!.data.toString('utf8')).toMatch(/^r19/);
    await log.close();

    // Under budget pressure (more than half used) consumed segments go as before.
    const tight = await tempDirectory();
    log = await FileEventLog.open({ directory: tight, maxBytes: 8192, segmentBytes: 1024, keepConsumedBytes: 2048 });
    for (let index = 0; index < 20; index++) await log.append('s', [record(`r${index}`.padEnd(200, '.'))]);
    await log.commitCursor('s', 'c', log.endOffset('s'));
    expect(log.endOffset('s') - log.startOffset('s')).toBeLessThanOrEqual(1024);
    await log.close();
  });

  // The two tests below inject faults into node's FileHandle, so they use the FileHandle way of writing
  // (`writeThenSync`); the ones after them fail the default way (one native job) at each step.
  it('after a failed fdatasync refuses every append until reopened, and loses nothing acknowledged', async () => {
    const directory = await tempDirectory();
    const logger = new RecordingLogger();
    let log = await FileEventLog.open({ directory, maxBytes: ROOMY, logger, durableWrite: writeThenSync });
    await log.append('s', [record('acknowledged')]);
    const handlePrototype = await fileHandlePrototype(directory);
    const datasync = vi.spyOn(handlePrototype, 'datasync').mockRejectedValueOnce(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
    const results = await Promise.allSettled([log.append('s', [record('lost-1')]), log.append('s', [record('lost-2')])]);
    datasync.mockRestore();
    for (const result of results) expect(result).toMatchObject({ status: 'rejected', reason: { code: 'log_unavailable' } });
    expect(log.isWritable()).toBe(false);
    await expect(log.append('s', [record('refused')])).rejects.toMatchObject({ code: 'log_unavailable' });
    expect(logger.entries.some((entry) => entry.level === 'error')).toBe(true);
    await log.close();
    log = await FileEventLog.open({ directory, maxBytes: ROOMY });
    expect(log.isWritable()).toBe(true);
    expect((await log.read('s', 0))[0]!.data.toString()).toBe('acknowledged');
    await log.append('s', [record('after reopen')]);
    await log.close();
  });

  it('answers ENOSPC with log_full, undoes the partial write and stays writable', async () => {
    const directory = await tempDirectory();
    const log = await FileEventLog.open({ directory, maxBytes: ROOMY, durableWrite: writeThenSync });
    await log.append('s', [record('first')]);
    const handlePrototype = await fileHandlePrototype(directory);
    const originalWrite = handlePrototype.write as (buffer: Buffer, offset: number, length: number, position: number) => Promise<unknown>;
    const write = vi.spyOn(handlePrototype, 'write').mockImplementationOnce(async function (this: FileHandle, ...args: unknown[]) {
      const [buffer, offset, , position] = args as [Buffer, number, number, number];
      await originalWrite.call(this, buffer, offset, 7, position);
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    });
    await expect(log.append('s', [record('does not fit')])).rejects.toMatchObject({ code: 'log_full' });
    write.mockRestore();
    expect(log.isWritable()).toBe(true);
    await log.append('s', [record('second')]);
    expect((await log.read('s', 0)).map((stored) => stored.data.toString())).toEqual(['first', 'second']);
    expect((await stat(join(directory, 'streams', 's', '00000000000000000000.seg'))).size).toBe(2 * FRAME_HEADER_BYTES + 11);
    await log.close();
  });

  it('with the default durable write: a failed sync fails the log, a failed write (ENOSPC) is undone and answered log_full', async () => {
    const directory = await tempDirectory();
    // The default way of writing, made to fail once at the chosen step: ENOSPC after part of the group
    // is on disk, or EIO from the sync after all of it is.
    let failNext: 'write' | 'sync' | undefined;
    const faulty: DurableWrite = async (handle, buffer, length, position) => {
      const step = failNext;
      failNext = undefined;
      if (step === 'write') {
        await defaultDurableWrite(handle, buffer, Math.min(7, length), position);
        throw new DurableWriteError('write', Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
      }
      await defaultDurableWrite(handle, buffer, length, position);
      if (step === 'sync') throw new DurableWriteError('sync', Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
    };
    let log = await FileEventLog.open({ directory, maxBytes: ROOMY, durableWrite: faulty });
    await log.append('s', [record('first')]);
    failNext = 'write';
    await expect(log.append('s', [record('does not fit')])).rejects.toMatchObject({ code: 'log_full' });
    expect(log.isWritable()).toBe(true);
    expect((await stat(join(directory, 'streams', 's', '00000000000000000000.seg'))).size).toBe(FRAME_HEADER_BYTES + 5);
    await log.append('s', [record('second')]);
    failNext = 'sync';
    await expect(log.append('s', [record('unsure')])).rejects.toMatchObject({ code: 'log_unavailable' });
    expect(log.isWritable()).toBe(false);
    await expect(log.append('s', [record('refused')])).rejects.toMatchObject({ code: 'log_unavailable' });
    await log.close();
    log = await FileEventLog.open({ directory, maxBytes: ROOMY });
    const kept = (await log.read('s', 0)).map((stored) => stored.data.toString());
    // What was acknowledged is there; the unsure record may be (its bytes were written), never more.
    expect(kept.slice(0, 2)).toEqual(['first', 'second']);
    expect(kept.length === 2 || (kept.length === 3 && kept[2] === 'unsure')).toBe(true);
    await log.close();
  });
});

async function flipByte(path: string, position: number): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, position);
    byte[0] = byte[0]! ^ 0xff;
    await handle.write(byte, 0, 1, position);
  } finally {
    await handle.close();
  }
}

/** The prototype of node's FileHandle class (not exported), for injecting disk faults. */
async function fileHandlePrototype(directory: string): Promise<FileHandle> {
  const handle = await open(join(directory, 'probe'), 'w');
  await handle.close();
  return Object.getPrototypeOf(handle) as FileHandle;
}
