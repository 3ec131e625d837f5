/**
 * Login throttling: failed attempts (wrong password, wrong or missing second factor) are counted per
 * account and per client address in sliding windows; while either is over its limit, login answers 429
 * before any password is checked. A success clears only that account's count: the address keeps its
 * budget, so one good account cannot be used to reset guessing at other accounts from the same address.
 * Unknown emails are counted like known ones, so throttling reveals nothing about which accounts exist.
 * In memory, per process (a restart forgets; fine for a single-node server).
 */
import { SlidingWindow } from './sliding-window.js';

export interface LoginRateLimits {
  /** Failed attempts allowed per account within the window. */
  readonly perAccount: number;
  /** Failed attempts allowed per client address within the window. */
  readonly perAddress: number;
  readonly windowSeconds: number;
  /** Most accounts and addresses remembered at once (each side). */
  readonly maxTracked: number;
}

export const defaultLoginRateLimits: LoginRateLimits = { perAccount: 10, perAddress: 50, windowSeconds: 15 * 60, maxTracked: 10_000 };

export class LoginRateLimiter {
  readonly #accounts: SlidingWindow;
  readonly #addresses: SlidingWindow;

  constructor(limits: LoginRateLimits = defaultLoginRateLimits) {
    const windowMs = limits.windowSeconds * 1000;
    this.#accounts = new SlidingWindow({ limit: limits.perAccount, windowMs, maxKeys: limits.maxTracked });
    this.#addresses = new SlidingWindow({ limit: limits.perAddress, windowMs, maxKeys: limits.maxTracked });
  }

  /** Seconds to wait before this account may try again from this address, or 0 when allowed now. */
  retryAfterSeconds(account: string, address: string, now: Date): number {
    const waitMs = Math.max(this.#accounts.waitMs(accountKey(account), now.getTime()), this.#addresses.waitMs(address, now.getTime()));
    return waitMs > 0 ? Math.ceil(waitMs / 1000) : 0;
  }

  recordFailure(account: string, address: string, now: Date): void {
    this.#accounts.record(accountKey(account), now.getTime());
    this.#addresses.record(address, now.getTime());
  }

  recordSuccess(account: string): void {
    this.#accounts.forget(accountKey(account));
  }

  /** How many accounts and addresses are remembered (for tests of the memory bound). */
  get tracked(): { accounts: number; addresses: number } {
    return { accounts: this.#accounts.size, addresses: this.#addresses.size };
  }
}

const accountKey = (email: string): string => email.trim().toLowerCase();
