import { afterEach, describe, expect, it, vi } from 'vitest';
import { FlushTimer, nextFlushTime } from './flush-schedule.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('nextFlushTime', () => {
  it('defaults to hourly at minute 40, UTC, like Segment', () => {
    expect(new Date(nextFlushTime({ maxBatchBytes: 1 }, Date.parse('2026-03-01T10:39:59.000Z'))).toISOString()).toBe('2026-03-01T10:40:00.000Z');
    expect(new Date(nextFlushTime({ maxBatchBytes: 1 }, Date.parse('2026-03-01T10:40:00.000Z'))).toISOString()).toBe('2026-03-01T11:40:00.000Z');
  });

  it('follows a custom cron pattern, or an interval when one is set', () => {
    expect(new Date(nextFlushTime({ maxBatchBytes: 1, flushSchedule: '*/15 * * * *' }, Date.parse('2026-03-01T10:01:00.000Z'))).toISOString()).toBe('2026-03-01T10:15:00.000Z');
    expect(nextFlushTime({ maxBatchBytes: 1, flushIntervalSeconds: 60, flushSchedule: '*/15 * * * *' }, 1_000)).toBe(61_000);
  });
});

describe('FlushTimer', () => {
  it('fires at every scheduled time and reports the next one', () => {
    vi.useFakeTimers({ now: Date.parse('2026-03-01T10:00:00.000Z') });
    const onFlush = vi.fn();
    const timer = new FlushTimer({ maxBatchBytes: 1 }, onFlush);
    timer.start();
    expect(new Date(timer.nextAt!).toISOString()).toBe('2026-03-01T10:40:00.000Z');
    vi.advanceTimersByTime(40 * 60_000);
    expect(onFlush).toHaveBeenCalledTimes(1);
    expect(new Date(timer.nextAt!).toISOString()).toBe('2026-03-01T11:40:00.000Z');
    vi.advanceTimersByTime(2 * 3_600_000);
    expect(onFlush).toHaveBeenCalledTimes(3);
    timer.stop();
    vi.advanceTimersByTime(3_600_000);
    expect(onFlush).toHaveBeenCalledTimes(3);
    expect(timer.nextAt).toBeUndefined();
  });
});
