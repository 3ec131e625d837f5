/**
 * Children a benchmark starts (servers, load generators) end with it. A benchmark that fails half way
 * (an uncaught error) or is stopped with SIGTERM/SIGHUP would otherwise leave its `sluice serve` and
 * bare baseline running, orphaned, using the CPU that the next run's figures are made of: two servers
 * left behind by a crashed profiling run cost ~10% of a core each, unseen, for 25 minutes of the
 * 2026-12-05 session's measurements.
 *
 * `reapOnExit(child)` registers a child until it exits. When this process exits (normally or through
 * an uncaught error) every registered child still running is sent SIGTERM, which `sluice serve` answers
 * with its clean shutdown; a SIGINT, SIGTERM or SIGHUP to this process does the same, then ends it by
 * that signal as it would have ended without the handler (unless the program listens for it too).
 */
import type { ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();
const endingSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let installed = false;

function stopLiveChildren(): void {
  for (const child of live) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  live.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', stopLiveChildren);
  for (const signal of endingSignals) {
    process.once(signal, () => {
      stopLiveChildren();
      // Our handler is gone (once): unless the program handles the signal itself, it now does what it
      // would have done without us.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

/** Registers `child` to be stopped when this process ends; returns it. */
export function reapOnExit<T extends ChildProcess>(child: T): T {
  install();
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}
