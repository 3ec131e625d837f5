import { describe, expect, it } from 'vitest';
import { LoginRateLimiter } from './login-rate-limiter.js';

const at = (seconds: number) => new Date(Date.UTC(2030, 0, 1) + seconds * 1000);

describe('LoginRateLimiter', () => {
  it('blocks an account after its failures, from any address, until the oldest leaves the window', () => {
    const limiter = new LoginRateLimiter({ perAccount: 3, perAddress: 100, windowSeconds: 60, maxTracked: 100 });
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfterSeconds('a@x', `10.0.0.${i}`, at(i))).toBe(0);
      limiter.recordFailure('a@x', `10.0.0.${i}`, at(i));
    }
    expect(limiter.retryAfterSeconds('A@X ', '10.9.9.9', at(10))).toBe(50);
    expect(limiter.retryAfterSeconds('b@x', '10.9.9.9', at(10))).toBe(0);
    expect(limiter.retryAfterSeconds('a@x', '10.9.9.9', at(60))).toBe(0); // first failure left the window
  });

  it('blocks an address after its failures across accounts; a success clears only that account', () => {
    const limiter = new LoginRateLimiter({ perAccount: 100, perAddress: 3, windowSeconds: 60, maxTracked: 100 });
    limiter.recordFailure('a@x', '10.0.0.1', at(0));
    limiter.recordFailure('b@x', '10.0.0.1', at(1));
    limiter.recordSuccess('c@x');
    limiter.recordFailure('c@x', '10.0.0.1', at(2));
    limiter.recordSuccess('c@x');
    expect(limiter.retryAfterSeconds('d@x', '10.0.0.1', at(3))).toBe(57);
    expect(limiter.retryAfterSeconds('d@x', '10.0.0.2', at(3))).toBe(0);
  });

  it('remembers at most maxTracked accounts and addresses', () => {
    const limiter = new LoginRateLimiter({ perAccount: 5, perAddress: 5, windowSeconds: 60, maxTracked: 50 });
    for (let i = 0; i < 1000; i++) limiter.recordFailure(`user${i}@x`, `10.0.${i >> 8}.${i & 255}`, at(0));
    expect(limiter.tracked).toEqual({ accounts: 50, addresses: 50 });
    // The newest are the ones kept.
    limiter.recordFailure('user999@x', '10.0.3.231', at(1));
    expect(limiter.tracked.accounts).toBe(50);
  });
});
