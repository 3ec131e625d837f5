/**
 * The EventLog conformance suite (STYLE 11): every implementation runs these same tests unchanged
 * (`describeEventLogConformance('FileEventLog', harness)`). It only uses the `EventLog` interface and
 * assumes nothing about offsets beyond the contract: strictly increasing, chained by `nextOffset`,
 * compared but never computed. Every test uses fresh stream and consumer names (`randomUUID()`), so
 * an implementation backed by a shared server can run it too. Effects that may be asynchronous in a
 * distributed log (retention, listeners) are awaited with `eventually`.
 */
import { afterEach, describe } from 'vitest';
import { describeAppendPacked } from './conformance-append-packed.js';
import { describeAppendAndRead } from './conformance-append-read.js';
import { describeLifecycle } from './conformance-lifecycle.js';
import type { ConformanceContext } from './conformance-support.js';
import { describeSpan } from './conformance-span.js';
import type { EventLog } from './event-log.js';

export interface EventLogHarness {
  /** Makes a fresh, empty log; `maxBytes` sets its disk budget (default: ample). */
  create(options?: { maxBytes?: number }): Promise<EventLog>;
  /** Closes `log` and opens the same storage again. Omit for logs that are not durable. */
  reopen?: (log: EventLog) => Promise<EventLog>;
  /**
   * Bytes of records after which retention can free space (the file log: its segment size). The
   * retention and disk-budget tests write several times this much; omit it to skip them.
   */
  retentionGranularityBytes?: number;
}

export function describeEventLogConformance(name: string, harness: EventLogHarness): void {
  describe(`EventLog conformance: ${name}`, () => {
    const opened: EventLog[] = [];
    const create = async (options?: { maxBytes?: number }): Promise<EventLog> => {
      const log = await harness.create(options);
      opened.push(log);
      return log;
    };
    const reopen = async (log: EventLog): Promise<EventLog> => {
      const again = await harness.reopen!(log);
      opened.push(again);
      return again;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((log) => log.close().catch(() => undefined)));
    });

    const context: ConformanceContext = {
      create,
      reopen,
      canReopen: harness.reopen !== undefined,
      retentionGranularityBytes: harness.retentionGranularityBytes,
    };
    describeAppendAndRead(context);
    describeAppendPacked(context);
    describeSpan(context);
    describeLifecycle(context);
  });
}

export { readAll } from './conformance-support.js';
