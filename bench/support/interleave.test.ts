import { describe, expect, it } from 'vitest';
import { median, roundOrder, waitForQuiescence, type Clock } from './interleave.js';

/** A clock that only moves when slept on. */
function fakeClock(): Clock & { time: number } {
  const clock = {
    time: 0,
    now: () => clock.time,
    sleep: async (ms: number) => {
      clock.time += ms;
    },
  };
  return clock;
}

/** CPU seconds of a process that uses `busy(t)` of a core at time t (ms), read on `clock`. */
function cpuReader(clock: Clock, busy: (ms: number) => number, step = 10) {
  let cpu = 0;
  let last = 0;
  return async () => {
    for (; last < clock.now(); last += step) cpu += (busy(last) * step) / 1000;
    return cpu;
  };
}

const options = { pollMs: 250, windowMs: 500, maxCoreFraction: 0.05, capMs: 30_000 };

describe('median', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([0.39, 0.41, 0.2])).toBe(0.39);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(median([])).toBeNaN();
  });
});

describe('roundOrder', () => {
  it('alternates which side goes first', () => {
    expect([0, 1, 2].map((round) => roundOrder(round, 'A', 'B').join(''))).toEqual(['AB', 'BA', 'AB']);
  });
});

describe('waitForQuiescence', () => {
  it('takes one window for an idle process', async () => {
    const clock = fakeClock();
    const result = await waitForQuiescence(cpuReader(clock, () => 0), options, clock);
    expect(result).toEqual({ outcome: 'quiet', waitedMs: 500, coreFraction: 0 });
  });

  it('waits until the last window is below the bar', async () => {
    const clock = fakeClock();
    // Busy (a whole core) for the first 2 s, then idle.
    const result = await waitForQuiescence(cpuReader(clock, (ms) => (ms < 2000 ? 1 : 0)), options, clock);
    expect(result.outcome).toBe('quiet');
    expect(result.waitedMs).toBe(2500);
  });

  it('stops at the cap for a process that stays busy', async () => {
    const clock = fakeClock();
    const result = await waitForQuiescence(cpuReader(clock, () => 0.2), { ...options, capMs: 3000 }, clock);
    expect(result.outcome).toBe('capped');
    expect(result.waitedMs).toBe(3000);
    expect(result.coreFraction).toBeCloseTo(0.2);
  });

  it('says unknown when there is no CPU time to read', async () => {
    const clock = fakeClock();
    expect((await waitForQuiescence(async () => undefined, options, clock)).outcome).toBe('unknown');
  });
});
