/**
 * FileEventLog with the real page cache binding: under appends, segments that left the cached tail
 * leave the kernel's cache (seen through `fincore`), the newest window stays, and every record still
 * reads back intact. `cachedTailBytes: Infinity` leaves every page alone.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { dropStepBytes } from './cached-tail.js';
import type { AppendRecord } from './event-log.js';
import { FileEventLog } from './file-event-log.js';
import { pageCacheDropper } from './page-cache.js';
import { residentBytes } from './test-support/resident-bytes.js';
import { useTempDirectories } from './test-support/temp-directories.js';

const tempDirectory = useTempDirectories();
const KiB = 1024;
const ROOMY = 1024 ** 3;
const SEGMENT = 256 * KiB;
const WINDOW = 512 * KiB;

function records(from: number, count: number): AppendRecord[] {
  return Array.from({ length: count }, (_, at) => ({ timestamp: from + at, data: Buffer.alloc(1000 + ((from + at) % 500), (from + at) % 251) }));
}

/** Appends about `bytes` in appends of ~40 KB, each its own group. */
async function appendAbout(log: FileEventLog, bytes: number): Promise<number> {
  let next = 0;
  while (log.endOffset('s') < bytes) {
    await log.append('s', records(next, 32));
    next += 32;
  }
  return next;
}

async function segmentFiles(directory: string): Promise<string[]> {
  const streamDirectory = join(directory, 'streams', 's');
  return (await readdir(streamDirectory)).filter((name) => name.endsWith('.seg')).sort().map((name) => join(streamDirectory, name));
}

describe.runIf(process.platform === 'linux' && pageCacheDropper !== undefined)('FileEventLog page cache tail', () => {
  it('drops segments behind the window from the page cache and keeps the window cached', async () => {
    const directory = await tempDirectory();
    const log = await FileEventLog.open({ directory, maxBytes: ROOMY, segmentBytes: SEGMENT, cachedTailBytes: WINDOW });
    const appended = await appendAbout(log, 4 * 1024 * KiB);
    const end = log.endOffset('s');
    const files = await segmentFiles(directory);
    const baseOf = (file: string) => Number(file.slice(-24, -4));
    const sizeOf = (index: number) => (index + 1 < files.length ? baseOf(files[index + 1]!) : end) - baseOf(files[index]!);
    // Everything that ended a step (plus the page the target may sit in) before the window's edge is gone.
    const droppedBefore = end - WINDOW - dropStepBytes(WINDOW) - 4096;
    await vi.waitFor(() => {
      files.forEach((file, index) => {
        if (baseOf(file) + sizeOf(index) <= droppedBefore) expect(residentBytes(file), file).toBe(0);
      });
    });
    files.forEach((file, index) => {
      if (baseOf(file) >= end - WINDOW) expect(residentBytes(file), file).toBeGreaterThanOrEqual(sizeOf(index));
    });
    expect(files.filter((file, index) => baseOf(file) + sizeOf(index) <= droppedBefore).length).toBeGreaterThanOrEqual(8);

    // Dropped pages are only uncached: every record reads back (from the disk) as written.
    let offset = log.startOffset('s');
    let seen = 0;
    for (;;) {
      const page = await log.read('s', offset, { maxRecords: 500 });
      if (page.length === 0) break;
      for (const record of page) {
        expect(record.timestamp).toBe(seen);
        expect(Buffer.from(record.data).equals(Buffer.alloc(1000 + (seen % 500), seen % 251))).toBe(true);
        seen++;
      }
      offset = page.at(-1)!.nextOffset;
    }
    expect(seen).toBe(appended);
    await log.close();
  });

  it('leaves every page to the kernel with cachedTailBytes: Infinity', async () => {
    const directory = await tempDirectory();
    const log = await FileEventLog.open({ directory, maxBytes: ROOMY, segmentBytes: SEGMENT, cachedTailBytes: Infinity });
    await appendAbout(log, 2 * 1024 * KiB);
    await log.close();
    for (const file of await segmentFiles(directory)) expect(residentBytes(file), file).toBeGreaterThan(0);
  });

  it('refuses a window that is not a non-negative integer or Infinity', async () => {
    for (const cachedTailBytes of [-1, 1.5, Number.NaN]) {
      await expect(FileEventLog.open({ directory: await tempDirectory(), maxBytes: ROOMY, cachedTailBytes })).rejects.toThrow(RangeError);
    }
  });
});
