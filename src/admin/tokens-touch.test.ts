import { describe, expect, it } from 'vitest';
import { TokenTouchThrottle } from './tokens-touch.js';

const at = (seconds: number) => new Date(Date.UTC(2030, 0, 1) + seconds * 1000);

describe('TokenTouchThrottle', () => {
  it('writes lastUsedAt at most once a minute per token', async () => {
    const writes: [string, string][] = [];
    const throttle = new TokenTouchThrottle({ touchApiToken: async (id, time) => void writes.push([id, time.toISOString()]) });
    await throttle.touch('a', at(0));
    await throttle.touch('a', at(59));
    await throttle.touch('b', at(59));
    await throttle.touch('a', at(60));
    expect(writes).toEqual([
      ['a', at(0).toISOString()],
      ['b', at(59).toISOString()],
      ['a', at(60).toISOString()],
    ]);
  });

  it('remembers at most maxTokens tokens; a forgotten one just costs one more write', async () => {
    let writes = 0;
    const throttle = new TokenTouchThrottle({ touchApiToken: async () => void writes++ }, { maxTokens: 3 });
    for (const id of ['a', 'b', 'c', 'd']) await throttle.touch(id, at(0));
    await throttle.touch('d', at(1)); // still remembered
    expect(writes).toBe(4);
    await throttle.touch('a', at(1)); // evicted as the oldest: written again
    expect(writes).toBe(5);
  });
});
