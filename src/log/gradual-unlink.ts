/**
 * Deleting a large file without stalling every fsync on its file system. On ext4 (and more so when it
 * is mounted with `discard`, as cloud images often are) freeing a file's blocks joins the running
 * journal transaction, and an fsync by anyone else waits for that commit: each 64 MiB log segment or
 * ~20 MB spool file unlinked at once took 25-37 ms, and the event log's fdatasyncs committed with it
 * took as long, so every request acknowledged in that window waited too (measured with `perf trace`
 * at half load: each stall of the log's fdatasync matched such an unlink).
 *
 * So the file is shrunk from its end in steps, each freeing at most `stepBytes`, with a pause between
 * them that lets the log's own syncs commit in between, and only then unlinked.
 */
import { open, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export interface GradualUnlinkOptions {
  /** Bytes freed per step (default 8 MiB). */
  readonly stepBytes?: number;
  /** Pause between steps, ms (default 10). */
  readonly pauseMs?: number;
  /** Sees each size the file is cut to (tests). */
  readonly onStep?: (size: number) => void;
}

const DEFAULT_STEP_BYTES = 8 * 1024 * 1024;
const DEFAULT_PAUSE_MS = 10;

/**
 * Removes `path`, a regular file no one writes any more, in steps; a file that is already gone is
 * fine. Readers that still hold it open see it shrink, so callers delete only what nobody reads.
 */
export async function unlinkGradually(path: string, options: GradualUnlinkOptions = {}): Promise<void> {
  const stepBytes = options.stepBytes ?? DEFAULT_STEP_BYTES;
  const pauseMs = options.pauseMs ?? DEFAULT_PAUSE_MS;
  let handle;
  try {
    handle = await open(path, 'r+');
  } catch (error) {
    if (isMissing(error)) return;
    throw error;
  }
  try {
    let { size } = await handle.stat();
    while (size > stepBytes) {
      size -= stepBytes;
      await handle.truncate(size);
      options.onStep?.(size);
      await sleep(pauseMs);
    }
  } finally {
    await handle.close();
  }
  await unlink(path).catch((error: unknown) => {
    if (!isMissing(error)) throw error;
  });
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
