/**
 * Loads Sluice's native addon (native/, built by `npm ci` through binding.gyp and node-gyp): the few
 * system calls Node does not expose. Speed and memory depend on it, never correctness, so where it is
 * not built (a platform it does not compile on) `nativeBinding` is undefined, `nativeBindingUnavailable`
 * says why, and each caller goes without.
 */
import { createRequire } from 'node:module';

export interface NativeBinding {
  /** posix_fadvise(fd, offset, length, POSIX_FADV_DONTNEED) on the libuv pool (native/page_cache.c). */
  dropCachedPages(fd: number, offset: number, length: number): Promise<void>;
  /**
   * pwrite of buffer[offset, offset + length) at `position`, then fdatasync, as one libuv pool job
   * (native/durable_write.c). Rejects with an error carrying `code`, `syscall` ("write" or
   * "fdatasync") and `bytesWritten`.
   */
  writeDurably(fd: number, buffer: Buffer, offset: number, length: number, position: number): Promise<void>;
  /**
   * One chunk of a deflate stream compressed by libdeflate, synchronously: a `last` chunk ends the
   * stream, any other ends as zlib's Z_SYNC_FLUSH ends one (native/deflate_chunk.c). Undefined when
   * the chunk could not be made so (the caller uses zlib). Absent when the addon was built without
   * libdeflate (binding.gyp, native/has-libdeflate.sh).
   */
  deflateRawChunk?(input: Uint8Array, level: number, last: boolean): Buffer | undefined;
}

function load(): { binding: NativeBinding | undefined; unavailable: string | undefined } {
  try {
    // Same relative path from src/native (tests, tsx) and dist/native (npm start): both two levels down.
    return { binding: createRequire(import.meta.url)('../../build/Release/sluice_native.node') as NativeBinding, unavailable: undefined };
  } catch (error) {
    return { binding: undefined, unavailable: (error as Error).message };
  }
}

const loaded = load();

export const nativeBinding: NativeBinding | undefined = loaded.binding;

/** Why `nativeBinding` is undefined (the loader's error), for a start-up log line. */
export const nativeBindingUnavailable: string | undefined = loaded.unavailable;
