import { describe, expect, it, vi } from 'vitest';
import { MemoryEventLog } from '../log/memory-event-log.js';
import { SizeTrigger } from './size-trigger.js';

const record = (bytes: number) => ({ timestamp: 0, data: Buffer.alloc(bytes, 97) });

describe('SizeTrigger', () => {
  it('fires once the NDJSON backlog reaches a batch, counting the whole backlog only once per reset', async () => {
    const log = new MemoryEventLog();
    const backlog = vi.spyOn(log, 'backlog');
    let cursor = 0;
    const onFull = vi.fn();
    const trigger = new SizeTrigger({ log, stream: 's', cursor: () => cursor, maxBatchBytes: 100, onFull, onError: (error) => { throw error; } });
    for (let index = 0; index < 9; index++) {
      await log.append('s', [record(9)]);
      trigger.check();
      await vi.waitFor(() => expect(backlog).toHaveBeenCalled());
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(onFull).not.toHaveBeenCalled();
    await log.append('s', [record(9)]); // 10 records × (9 + newline) = 100 bytes
    trigger.check();
    await vi.waitFor(() => expect(onFull).toHaveBeenCalledTimes(1));
    expect(backlog).toHaveBeenCalledTimes(1);

    // After a pass the cursor moved: reset recounts from it.
    cursor = 10;
    trigger.reset();
    await log.append('s', [record(50)]);
    trigger.check();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(backlog).toHaveBeenCalledTimes(2);
    expect(onFull).toHaveBeenCalledTimes(1);
  });
});
