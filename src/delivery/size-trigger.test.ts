import { describe, expect, it, vi } from 'vitest';
import { MemoryEventLog } from '../log/memory-event-log.js';
import { SizeTrigger } from './size-trigger.js';

const record = (bytes: number) => ({ timestamp: 0, data: Buffer.alloc(bytes, 97) });

/** Spies on `log.backlog`, recording how many questions were in flight at once. */
function watchBacklog(log: MemoryEventLog) {
  const seen = { calls: 0, inFlight: 0, maxInFlight: 0 };
  const original = log.backlog.bind(log);
  vi.spyOn(log, 'backlog').mockImplementation(async (stream, from) => {
    seen.calls++;
    seen.inFlight++;
    seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
    try {
      await new Promise((resolve) => setImmediate(resolve));
      return await original(stream, from);
    } finally {
      seen.inFlight--;
    }
  });
  return seen;
}

describe('SizeTrigger', () => {
  it('fires once the NDJSON backlog reaches a batch, asking the log and never reading records back', async () => {
    const log = new MemoryEventLog();
    const seen = watchBacklog(log);
    const read = vi.spyOn(log, 'read');
    let cursor = 0;
    const onFull = vi.fn();
    const trigger = new SizeTrigger({ log, stream: 's', cursor: () => cursor, maxBatchBytes: 100, onFull, onError: (error) => { throw error; } });
    for (let index = 0; index < 9; index++) {
      await log.append('s', [record(9)]);
      trigger.check();
      await vi.waitFor(() => expect(seen.calls).toBeGreaterThan(index));
    }
    await vi.waitFor(() => expect(seen.inFlight).toBe(0));
    expect(onFull).not.toHaveBeenCalled();
    await log.append('s', [record(9)]); // 10 records × (9 + newline) = 100 bytes
    trigger.check();
    await vi.waitFor(() => expect(onFull).toHaveBeenCalledTimes(1));

    // After a pass the cursor moved: the next check counts from it.
    cursor = 10;
    trigger.reset();
    await log.append('s', [record(50)]);
    trigger.check();
    await vi.waitFor(() => expect(seen.inFlight).toBe(0));
    expect(onFull).toHaveBeenCalledTimes(1);
    expect(read).toHaveBeenCalledTimes(seen.calls); // the memory log's own backlog reads; none by the trigger
    expect(seen.maxInFlight).toBe(1);
  });

  it('keeps at most one question in flight: a burst of checks collapses into one follow-up that sees the latest appends', async () => {
    const log = new MemoryEventLog();
    const seen = watchBacklog(log);
    const onFull = vi.fn();
    const trigger = new SizeTrigger({ log, stream: 's', cursor: () => 0, maxBatchBytes: 100, onFull, onError: (error) => { throw error; } });
    await log.append('s', [record(9)]);
    trigger.check(); // in flight: it may see only the first record
    await log.append('s', Array.from({ length: 50 }, () => record(9)));
    for (let index = 0; index < 50; index++) trigger.check();
    await vi.waitFor(() => expect(seen.calls).toBe(2));
    await vi.waitFor(() => expect(seen.inFlight).toBe(0));
    expect(onFull).toHaveBeenCalled();
    expect(seen.calls).toBe(2);
    expect(seen.maxInFlight).toBe(1);
  });
});
