/**
 * Retry timing for deliveries, as a pure function (STYLE 4): capped exponential backoff with full
 * jitter ("sleep a uniformly random time between 0 and min(cap, base·2^attempt)"), which spreads the
 * retries of many runners hitting one failing endpoint instead of synchronising them.
 *
 * Owns only the arithmetic: no timers, no clock, no randomness of its own (the caller passes `random`),
 * so tests pin every value. Retrying never stops: the data waits in the log (DESIGN B3).
 */

export interface BackoffPolicy {
  /** Upper bound of the first retry's delay. */
  readonly baseMs: number;
  /** No delay ever exceeds this, however many failures. */
  readonly capMs: number;
}

export const defaultBackoffPolicy: BackoffPolicy = { baseMs: 1_000, capMs: 5 * 60_000 };

/** The highest delay the policy allows after `failures` consecutive failures (1 = the first failure). */
export function backoffCeilingMs(policy: BackoffPolicy, failures: number): number {
  if (failures < 1) return 0;
  // 2^exponent overflows nothing below 2^1023; clamp the exponent early so huge counts stay cheap.
  const exponent = Math.min(failures - 1, 52);
  return Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
}

/**
 * The delay before the next attempt after `failures` consecutive failures, full jitter:
 * `random() · ceiling`, where `random` returns a number in [0, 1) like `Math.random`.
 * `minimumMs` keeps a floor (so a failing endpoint is never hammered in a tight loop).
 */
export function backoffDelayMs(
  policy: BackoffPolicy,
  failures: number,
  random: () => number = Math.random,
  minimumMs = 0,
): number {
  const ceiling = backoffCeilingMs(policy, failures);
  const jittered = Math.floor(random() * ceiling);
  return Math.min(policy.capMs, Math.max(minimumMs, jittered));
}
