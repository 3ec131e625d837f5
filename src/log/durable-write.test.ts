/**
 * Both ways of putting a group on disk (durable-write.ts) against real files: same bytes, same
 * failures, each attributed to the step that failed. The one-job version is the native addon
 * (native/durable_write.c), built by `npm ci` on Linux.
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nativeBinding } from '../native/binding.js';
import { defaultDurableWrite, DurableWriteError, writeAndSyncInOneJob, writeThenSync, type DurableWrite } from './durable-write.js';
import { useTempDirectories } from './test-support/temp-directories.js';

const tempDirectory = useTempDirectories();
const linux = process.platform === 'linux';

const ways: Array<[string, DurableWrite | undefined]> = [
  ['writeThenSync', writeThenSync],
  ['writeAndSyncInOneJob', writeAndSyncInOneJob],
];

/** An empty file, opened read-only. */
async function readOnlyFile(): Promise<FileHandle> {
  const path = join(await tempDirectory(), 'segment');
  await (await open(path, 'w')).close();
  return open(path, 'r');
}

/** Runs `write` and returns what it rejected with (failing the test if it resolved). */
async function failureOf(write: Promise<void>): Promise<DurableWriteError> {
  const error = await write.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(DurableWriteError);
  return error as DurableWriteError;
}

describe('durable writes', () => {
  it.runIf(linux)('the one-job version is built here and is the default', () => {
    expect(writeAndSyncInOneJob).toBeDefined();
    expect(defaultDurableWrite).toBe(writeAndSyncInOneJob);
  });

  describe.each(ways)('%s', (_name, durableWrite) => {
    it.runIf(durableWrite !== undefined)('writes exactly the first `length` bytes at `position`, leaving the rest of the file', async () => {
      const path = join(await tempDirectory(), 'segment');
      const handle = await open(path, 'w+');
      try {
        await durableWrite!(handle, Buffer.from('aaaaaaaaaa'), 10, 0);
        // Only 4 of the buffer's bytes, at position 3.
        await durableWrite!(handle, Buffer.from('BBBBxxxx'), 4, 3);
        // Past the end: the hole reads as zeros.
        await durableWrite!(handle, Buffer.from('CC'), 2, 12);
      } finally {
        await handle.close();
      }
      expect(await readFile(path)).toEqual(Buffer.concat([Buffer.from('aaaBBBBaaa'), Buffer.alloc(2), Buffer.from('CC')]));
    });

    it.runIf(durableWrite !== undefined)('writes a group larger than one write call may take (4 MiB), byte for byte', async () => {
      const path = join(await tempDirectory(), 'segment');
      const group = Buffer.alloc(4 * 1024 * 1024 + 17);
      for (let index = 0; index < group.length; index++) group[index] = (index * 131) % 251;
      const handle = await open(path, 'w+');
      try {
        await durableWrite!(handle, group, group.length, 5);
      } finally {
        await handle.close();
      }
      const written = await readFile(path);
      expect(written.length).toBe(group.length + 5);
      expect(written.subarray(5).equals(group)).toBe(true);
    });

    // Each step failed for real: a read-only descriptor refuses the write; /dev/null takes writes but
    // cannot fdatasync.
    it.runIf(durableWrite !== undefined && linux).each([
      { failure: 'a write refused by the file (read-only descriptor)', step: 'write', code: 'EBADF', file: readOnlyFile },
      { failure: 'a sync the file cannot do (/dev/null)', step: 'sync', code: 'EINVAL', file: async () => open('/dev/null', 'r+') },
    ])('$failure fails at the $step step, with its errno', async ({ step, code, file }) => {
      const handle = await file();
      try {
        const error = await failureOf(durableWrite!(handle, Buffer.from('data'), 4, 0));
        expect(error.step).toBe(step);
        expect(error.cause).toMatchObject({ code });
      } finally {
        await handle.close();
      }
    });
  });

  it.runIf(nativeBinding !== undefined)('the native call refuses bad arguments with a TypeError, before any I/O', () => {
    const binding = nativeBinding!;
    const buffer = Buffer.alloc(8);
    expect(() => binding.writeDurably(-1, buffer, 0, 8, 0)).toThrow(TypeError);
    expect(() => binding.writeDurably(3, buffer, 4, 8, 0)).toThrow(TypeError);
    expect(() => binding.writeDurably(3, buffer, 0, 8, -1)).toThrow(TypeError);
    expect(() => (binding.writeDurably as (...args: unknown[]) => unknown)(3, buffer, 0, 8)).toThrow(TypeError);
  });
});
