/**
 * Lowers the calling thread's OS scheduling priority: delivery's threads (deflate, spool) take only the
 * CPU that ingest leaves idle. On Linux, setpriority(2) on a thread id affects that thread alone, and
 * /proc/thread-self names ours. Elsewhere (or if refused) the thread keeps the process's priority,
 * which is only slower to yield.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

export function lowerThreadPriority(niceness: number): void {
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(threadId) && threadId > 0) setPriority(threadId, niceness);
  } catch {
    // Not Linux, or not allowed: nothing to do.
  }
}
