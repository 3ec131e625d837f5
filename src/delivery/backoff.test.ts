import { describe, expect, it } from 'vitest';
import { backoffCeilingMs, backoffDelayMs, defaultBackoffPolicy, type BackoffPolicy } from './backoff.js';

const policy: BackoffPolicy = { baseMs: 100, capMs: 1_000 };

describe('backoffCeilingMs', () => {
  it('doubles from the base with each failure until the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((failures) => backoffCeilingMs(policy, failures))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('is zero before any failure and stays at the cap for enormous failure counts', () => {
    expect(backoffCeilingMs(policy, 0)).toBe(0);
    expect(backoffCeilingMs(policy, 10_000)).toBe(1_000);
    expect(backoffCeilingMs(defaultBackoffPolicy, Number.MAX_SAFE_INTEGER)).toBe(defaultBackoffPolicy.capMs);
  });
});

describe('backoffDelayMs (full jitter)', () => {
  it('spans [0, ceiling) with the random draw', () => {
    expect(backoffDelayMs(policy, 3, () => 0)).toBe(0);
    expect(backoffDelayMs(policy, 3, () => 0.5)).toBe(200);
    expect(backoffDelayMs(policy, 3, () => 0.999_999)).toBe(399);
  });

  it('never exceeds the cap, and honours a floor', () => {
    for (let failures = 1; failures < 100; failures++) {
      expect(backoffDelayMs(policy, failures, () => 0.999_999)).toBeLessThanOrEqual(policy.capMs);
    }
    expect(backoffDelayMs(policy, 1, () => 0, 50)).toBe(50);
    expect(backoffDelayMs(policy, 1, () => 0, 5_000)).toBe(policy.capMs);
  });
});
