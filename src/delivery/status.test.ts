import { describe, expect, it } from 'vitest';
import { computeDestinationStatus, type RunnerSnapshot } from './status.js';

const idle: RunnerSnapshot = {
  sourceId: 'a',
  running: true,
  delivering: false,
  lastDelivery: undefined,
  lastError: undefined,
  nextAttemptAt: undefined,
  nextFlushAt: undefined,
};

describe('computeDestinationStatus', () => {
  it('sums pending over sources and reports nothing else for a fresh destination', () => {
    const status = computeDestinationStatus('d', true, [
      { snapshot: idle, pending: { records: 3, bytes: 30 }, inFlightBatch: undefined },
      { snapshot: { ...idle, sourceId: 'b' }, pending: { records: 2, bytes: 5 }, inFlightBatch: { firstOffset: 0, endOffset: 9 } },
    ]);
    expect(status).toMatchObject({
      destinationId: 'd',
      enabled: true,
      pending: { events: 5, bytes: 35 },
      lastDelivery: null,
      lastError: null,
      nextAttemptAt: null,
    });
    expect(status.sources[1]!.inFlightBatch).toEqual({ firstOffset: 0, endOffset: 9 });
  });

  it('shows the latest delivery, the earliest next attempt, and only errors not yet followed by a delivery', () => {
    const failing: RunnerSnapshot = {
      ...idle,
      sourceId: 'a',
      lastDelivery: { at: 1_000, objects: 1, events: 10, bytes: 100, keys: ['a.gz'] },
      lastError: { message: 'AccessDenied', at: 2_000, consecutiveFailures: 4, retriable: false },
      nextAttemptAt: 5_000,
    };
    const recovered: RunnerSnapshot = {
      ...idle,
      sourceId: 'b',
      lastDelivery: { at: 3_000, objects: 2, events: 7, bytes: 70, keys: ['b.gz', 'c.gz'] },
      lastError: { message: 'old', at: 2_500, consecutiveFailures: 1, retriable: true },
      nextAttemptAt: 9_000,
    };
    const status = computeDestinationStatus('d', true, [
      { snapshot: failing, pending: { records: 1, bytes: 1 }, inFlightBatch: undefined },
      { snapshot: recovered, pending: { records: 0, bytes: 0 }, inFlightBatch: undefined },
    ]);
    expect(status.lastDelivery).toEqual({ at: new Date(3_000).toISOString(), objects: 2, events: 7, bytes: 70, keys: ['b.gz', 'c.gz'] });
    expect(status.lastError).toEqual({ message: 'AccessDenied', at: new Date(2_000).toISOString(), consecutiveFailures: 4, retriable: false });
    expect(status.nextAttemptAt).toBe(new Date(5_000).toISOString());
    expect(status.sources[1]!.lastError?.message).toBe('old');
  });
});
