/**
 * The bound on concurrent password hashing. bcrypt itself is not under test here (bootstrap and the
 * login tests use the real one): a stand-in that takes a while and counts how many run at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';

const counter = vi.hoisted(() => ({ running: 0, most: 0 }));

vi.mock('bcrypt', () => {
  const slowly = async <T>(result: T): Promise<T> => {
    counter.running++;
    counter.most = Math.max(counter.most, counter.running);
    await sleep(15);
    counter.running--;
    return result;
  };
  return {
    default: {
      hash: (password: string) => slowly(`hashed:${password}`),
      compare: (password: string, hash: string) => slowly(hash === `hashed:${password}`),
    },
  };
});

const { PASSWORD_HASHING_CONCURRENCY, burnPasswordCheck, hashPassword, verifyPassword } = await import('./passwords.js');

describe('password hashing', () => {
  it('runs at most half the cores (at least one) at once, and every caller gets its own answer', async () => {
    await burnPasswordCheck('warm'); // the dummy hash made at import is done
    counter.most = 0;
    const passwords = Array.from({ length: PASSWORD_HASHING_CONCURRENCY * 4 + 1 }, (_, index) => `password-${index}`);
    const hashes = await Promise.all(passwords.map((password) => hashPassword(password)));
    const checks = await Promise.all(passwords.flatMap((password, index) => [verifyPassword(password, hashes[index]!), verifyPassword(`${password}!`, hashes[index]!), burnPasswordCheck(password)]));
    expect(hashes).toEqual(passwords.map((password) => `hashed:${password}`));
    expect(checks.filter((_, index) => index % 3 === 0)).toEqual(passwords.map(() => true));
    expect(checks.filter((_, index) => index % 3 === 1)).toEqual(passwords.map(() => false));
    expect(counter.most).toBe(PASSWORD_HASHING_CONCURRENCY);
    expect(PASSWORD_HASHING_CONCURRENCY).toBeGreaterThanOrEqual(1);
  });
});
