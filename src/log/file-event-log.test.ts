import { describe, expect, it } from 'vitest';
import { describeEventLogConformance } from './conformance.js';
import type { EventLog } from './event-log.js';
import { FileEventLog } from './file-event-log.js';
import { useTempDirectories } from './test-support/temp-directories.js';

const tempDirectory = useTempDirectories();
const directories = new WeakMap<EventLog, { directory: string; maxBytes: number }>();
const CONFORMANCE_SEGMENT_BYTES = 4096;

async function openIn(directory: string, maxBytes: number): Promise<FileEventLog> {
  const log = await FileEventLog.open({ directory, maxBytes, segmentBytes: CONFORMANCE_SEGMENT_BYTES });
  directories.set(log, { directory, maxBytes });
  return log;
}

// Small segments, so the conformance run also exercises rolling and retention.
describeEventLogConformance('FileEventLog', {
  create: async (options) => openIn(await tempDirectory(), options?.maxBytes ?? 1024 ** 3),
  reopen: async (log) => {
    const { directory, maxBytes } = directories.get(log)!;
    await log.close();
    return openIn(directory, maxBytes);
  },
  retentionGranularityBytes: CONFORMANCE_SEGMENT_BYTES,
});
