import { describeEventLogConformance } from './conformance.js';
import { MemoryEventLog } from './memory-event-log.js';

describeEventLogConformance('MemoryEventLog', {
  create: async (options) => new MemoryEventLog(options),
  // Memory frees record by record; this only sizes the retention tests' data.
  retentionGranularityBytes: 4096,
});
