/**
 * Dropping the log's own pages from the kernel's page cache once they are durable and old enough
 * (`posix_fadvise(POSIX_FADV_DONTNEED)`, through our one native binding, native/page_cache.c).
 *
 * Why: the log is written once and read back once (delivery, soon after), yet left alone the kernel
 * keeps every byte of it cached until memory runs short, so every group the writer copies lands in
 * pages the kernel has never handed out before. On virtual machines whose free memory is returned to
 * the host (virtio-balloon free page reporting, as on the machine the benchmarks run on), touching such
 * a page costs a fault in the host: writing 2 GB in 900 KB groups measured ~940 µs of kernel time per
 * write, against ~135 µs (plus ~30 µs for the drop) when each synced group was dropped, because the
 * next write reuses the pages just freed. Elsewhere it still keeps gigabytes of a write-once log from
 * crowding out memory other programs could use (BookKeeper's journal does the same).
 *
 * The binding is built by `npm ci` (binding.gyp at the repository root, node-gyp). Where it is missing
 * (a platform it does not build on), `pageCacheDropper` is undefined and nothing is dropped: only
 * speed depends on it, never correctness.
 */
import { createRequire } from 'node:module';

export interface PageCacheDropper {
  /**
   * Asks the kernel to drop the clean cached pages of `length` bytes at `offset` of the open file `fd`
   * (0: to the end of the file). Only whole pages inside the range go. Runs off the calling thread;
   * `fd` must stay open until it settles. Rejects with an error whose `code` is the errno name.
   */
  drop(fd: number, offset: number, length: number): Promise<void>;
}

interface NativeBinding {
  dropCachedPages(fd: number, offset: number, length: number): Promise<void>;
}

function loadBinding(): { dropper: PageCacheDropper | undefined; unavailable: string | undefined } {
  try {
    // Same relative path from src/log (tests, tsx) and dist/log (npm start): both sit two levels down.
    const binding = createRequire(import.meta.url)('../../build/Release/sluice_native.node') as NativeBinding;
    return { dropper: { drop: (fd, offset, length) => binding.dropCachedPages(fd, offset, length) }, unavailable: undefined };
  } catch (error) {
    return { dropper: undefined, unavailable: (error as Error).message };
  }
}

const loaded = loadBinding();

/** The kernel page cache dropper, or undefined when the native binding is not built here. */
export const pageCacheDropper: PageCacheDropper | undefined = loaded.dropper;

/** Why `pageCacheDropper` is undefined (the loader's error), for a start-up log line. */
export const pageCacheDropperUnavailable: string | undefined = loaded.unavailable;
