import type { FileEventLog } from '../file-event-log.js';
import type { StoredRecord } from '../event-log.js';

/** Every retained record of `stream`, read in pages of 1,000 from its start. */
export async function readEverything(log: FileEventLog, stream: string): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  let offset = log.startOffset(stream);
  for (;;) {
    const page = await log.read(stream, offset, { maxRecords: 1000 });
    if (page.length === 0) return out;
    out.push(...page);
    offset = page.at(-1)!.nextOffset;
  }
}
