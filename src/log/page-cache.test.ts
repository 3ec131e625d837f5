/**
 * The native page cache binding (native/page_cache.c), for real: it is built by `npm ci` on Linux, and
 * a drop takes a synced file's pages out of the kernel's cache (seen through `fincore`).
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pageCacheDropper, pageCacheDropperUnavailable } from './page-cache.js';
import { residentBytes } from './test-support/resident-bytes.js';
import { useTempDirectories } from './test-support/temp-directories.js';

const tempDirectory = useTempDirectories();
const linux = process.platform === 'linux';

/** A synced file of `bytes`, read back once so every page is cached. */
async function cachedFile(bytes: number): Promise<string> {
  const path = join(await tempDirectory(), 'pages.bin');
  const handle = await open(path, 'w+');
  try {
    await handle.write(Buffer.alloc(bytes, 7), 0, bytes, 0);
    await handle.datasync();
    await handle.read(Buffer.alloc(bytes), 0, bytes, 0);
  } finally {
    await handle.close();
  }
  return path;
}

describe.runIf(linux)('pageCacheDropper (native binding)', () => {
  it('is built and loaded', () => {
    expect(pageCacheDropperUnavailable).toBeUndefined();
    expect(pageCacheDropper).toBeDefined();
  });

  it('drops what lies wholly inside the range and leaves the rest cached', async () => {
    // Two writes, not read back: their cached folios never span the 512 KiB boundary between them
    // (a read's readahead, or one large write, may cache a file in folios bigger than a page, and a
    // drop only takes those wholly inside its range).
    const path = join(await tempDirectory(), 'halves.bin');
    const handle = await open(path, 'w+');
    try {
      await handle.write(Buffer.alloc(512 * 1024, 1), 0, 512 * 1024, 0);
      await handle.write(Buffer.alloc(512 * 1024, 2), 0, 512 * 1024, 512 * 1024);
      await handle.datasync();
      expect(residentBytes(path)).toBe(1024 * 1024);
      await pageCacheDropper!.drop(handle.fd, 0, 512 * 1024);
      expect(residentBytes(path)).toBe(512 * 1024);
      await pageCacheDropper!.drop(handle.fd, 0, 0);
      expect(residentBytes(path)).toBe(0);
    } finally {
      await handle.close();
    }
  });

  it('leaves the data intact: a dropped file reads back the same', async () => {
    const path = await cachedFile(256 * 1024);
    const handle = await open(path, 'r');
    try {
      await pageCacheDropper!.drop(handle.fd, 0, 0);
      const back = Buffer.alloc(256 * 1024);
      await handle.read(back, 0, back.length, 0);
      expect(back.equals(Buffer.alloc(256 * 1024, 7))).toBe(true);
    } finally {
      await handle.close();
    }
  });

  it('rejects with the errno name for a descriptor that is not open', async () => {
    const handle = await open(await cachedFile(4096), 'r');
    const fd = handle.fd;
    await handle.close();
    await expect(pageCacheDropper!.drop(fd, 0, 0)).rejects.toMatchObject({ code: 'EBADF' });
  });

  it('refuses arguments that are not non-negative integers before calling the kernel', () => {
    expect(() => pageCacheDropper!.drop(-1, 0, 0)).toThrow(TypeError);
    expect(() => pageCacheDropper!.drop(3, -5, 0)).toThrow(TypeError);
    expect(() => (pageCacheDropper!.drop as (...args: unknown[]) => unknown)(3, 0)).toThrow(TypeError);
    expect(() => (pageCacheDropper!.drop as (...args: unknown[]) => unknown)('3', 0, 0)).toThrow(TypeError);
  });
});
