/**
 * How the group-commit writer puts a group on disk: a positioned write of the whole group, then an
 * fdatasync, resolving only once both are done. Two ways, same contract:
 *
 * - `writeAndSyncInOneJob` (the default where the native addon is built): both system calls in one
 *   libuv thread-pool job (native/durable_write.c).
 * - `writeThenSync`: Node's FileHandle.write (repeated on short writes), then FileHandle.datasync.
 *
 * Why one job: each thread-pool job is a round trip (a pool thread woken, then the event loop woken
 * to hear the result), and between the two jobs the writer waits for its turn on a busy event loop
 * before it can even ask for the sync. Every acknowledged request waits on this path, once per group.
 * On the 2-vCPU virtual machine the benchmarks run on, waking another thread costs ~30–45 µs of CPU,
 * and the event loop's turn after a completed write took up to 6–14 ms (p99) at half load.
 *
 * Failures say which step failed (`DurableWriteError.step`): the writer's rules differ (a failed write
 * may be undone, a failed sync never retried; group-commit-writer.ts).
 */
import type { FileHandle } from 'node:fs/promises';
import { nativeBinding } from '../native/binding.js';

export type DurableWriteStep = 'write' | 'sync';

export class DurableWriteError extends Error {
  constructor(
    readonly step: DurableWriteStep,
    override readonly cause: unknown,
  ) {
    super(`${step === 'write' ? 'writing' : 'syncing'} the group failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

/**
 * Writes `buffer[0, length)` at `position` of the open file, then makes it durable (fdatasync).
 * Rejects with a `DurableWriteError`. The caller keeps `handle` open and `buffer` unchanged until it
 * settles.
 */
export type DurableWrite = (handle: FileHandle, buffer: Buffer, length: number, position: number) => Promise<void>;

export const writeThenSync: DurableWrite = async (handle, buffer, length, position) => {
  try {
    let written = 0;
    while (written < length) {
      const { bytesWritten } = await handle.write(buffer, written, length - written, position + written);
      written += bytesWritten;
    }
  } catch (error) {
    throw new DurableWriteError('write', error);
  }
  try {
    // fdatasync, not fsync: it still flushes the file size (needed to read the data back), and skips
    // timestamps nobody needs.
    await handle.datasync();
  } catch (error) {
    throw new DurableWriteError('sync', error);
  }
};

/** The one-job version, or undefined where the native addon is not built. */
export const writeAndSyncInOneJob: DurableWrite | undefined =
  nativeBinding &&
  (async (handle, buffer, length, position) => {
    try {
      await nativeBinding!.writeDurably(handle.fd, buffer, 0, length, position);
    } catch (error) {
      throw new DurableWriteError((error as { syscall?: string }).syscall === 'fdatasync' ? 'sync' : 'write', error);
    }
  });

export const defaultDurableWrite: DurableWrite = writeAndSyncInOneJob ?? writeThenSync;
