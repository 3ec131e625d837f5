/**
 * Dropping the log's own pages from the kernel's page cache once they are durable and old enough
 * (`posix_fadvise(POSIX_FADV_DONTNEED)`, through our native addon, native/page_cache.c).
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
 * Where the addon is not built (src/native/binding.ts), `pageCacheDropper` is undefined and nothing is
 * dropped.
 */
import { nativeBinding, nativeBindingUnavailable } from '../native/binding.js';

export interface PageCacheDropper {
  /**
   * Asks the kernel to drop the clean cached pages of `length` bytes at `offset` of the open file `fd`
   * (0: to the end of the file). Only whole pages inside the range go. Runs off the calling thread;
   * `fd` must stay open until it settles. Rejects with an error whose `code` is the errno name.
   */
  drop(fd: number, offset: number, length: number): Promise<void>;
}

/** The kernel page cache dropper, or undefined when the native binding is not built here. */
export const pageCacheDropper: PageCacheDropper | undefined = nativeBinding && { drop: (fd, offset, length) => nativeBinding!.dropCachedPages(fd, offset, length) };

/** Why `pageCacheDropper` is undefined (the loader's error), for a start-up log line. */
export const pageCacheDropperUnavailable: string | undefined = nativeBindingUnavailable;
