import { describe, expect, it } from 'vitest';
import { MessageIdWindow } from './message-id-window.js';

describe('MessageIdWindow', () => {
  it('claims an id once per source', () => {
    const window = new MessageIdWindow(100);
    expect(window.claim('a', 'm1')).toBe(true);
    expect(window.claim('a', 'm1')).toBe(false);
    expect(window.claim('b', 'm1')).toBe(true);
  });

  it('never remembers more than its capacity, and catches a repeat within half of it', () => {
    const window = new MessageIdWindow(1_000);
    for (let index = 0; index < 10_000; index++) {
      expect(window.claim('a', `m${index}`)).toBe(true);
      expect(window.size).toBeLessThanOrEqual(1_000);
      if (index >= 500) expect(window.has('a', `m${index - 499}`)).toBe(true);
    }
    // Long gone: claimed again as new.
    expect(window.claim('a', 'm0')).toBe(true);
  });

  it('counts every source against one capacity', () => {
    const window = new MessageIdWindow(10);
    for (let index = 0; index < 100; index++) window.claim(`source-${index}`, 'same-id');
    expect(window.size).toBeLessThanOrEqual(10);
  });

  it('forgets released claims, in either generation', () => {
    const window = new MessageIdWindow(4);
    window.claim('a', 'old');
    window.claim('a', 'x');
    window.claim('a', 'new'); // rotates: old and x are now the previous generation
    window.release('a', ['old', 'new']);
    expect(window.has('a', 'old')).toBe(false);
    expect(window.has('a', 'new')).toBe(false);
    expect(window.has('a', 'x')).toBe(true);
    expect(window.claim('a', 'new')).toBe(true);
  });

  it('refuses a capacity that cannot hold two generations', () => {
    expect(() => new MessageIdWindow(1)).toThrow(RangeError);
  });
});
