/**
 * Helpers for measuring two targets close together on a machine whose speed drifts over minutes: which
 * target goes first in a round, the median of the rounds, and waiting until a process has gone quiet
 * (no background work left over from the last load) before the other target is measured.
 */

/** The median (the mean of the middle two for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Round 0 measures `a` then `b`, round 1 `b` then `a`, and so on: neither gets the earlier slot every time. */
export function roundOrder<T>(round: number, a: T, b: T): [T, T] {
  return round % 2 === 0 ? [a, b] : [b, a];
}

export interface QuiescenceOptions {
  /** How often the process's CPU time is read. */
  readonly pollMs: number;
  /** The window the CPU use is judged over (a whole number of polls). */
  readonly windowMs: number;
  /** Quiet when the process used less than this fraction of one core over the window. */
  readonly maxCoreFraction: number;
  /** Give up after this long. */
  readonly capMs: number;
}

export const defaultQuiescence: QuiescenceOptions = { pollMs: 250, windowMs: 500, maxCoreFraction: 0.05, capMs: 30_000 };

export interface Quiescence {
  /** `quiet`: below the bar; `capped`: still busy when the cap ran out; `unknown`: no CPU time to read (off Linux, process gone). */
  readonly outcome: 'quiet' | 'capped' | 'unknown';
  readonly waitedMs: number;
  /** CPU use over the last window, as a fraction of one core (undefined when unknown). */
  readonly coreFraction: number | undefined;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Polls `readCpuSeconds` (CPU seconds used so far by the process, all threads) every `pollMs` until the
 * process used less than `maxCoreFraction` of a core over the last `windowMs`, or `capMs` has passed.
 * Takes at least one window even for an idle process.
 */
export async function waitForQuiescence(
  readCpuSeconds: () => Promise<number | undefined>,
  options: QuiescenceOptions = defaultQuiescence,
  clock: Clock = realClock,
): Promise<Quiescence> {
  const start = clock.now();
  const pollsPerWindow = Math.max(1, Math.round(options.windowMs / options.pollMs));
  const samples: Array<{ at: number; cpu: number }> = [];
  for (;;) {
    const cpu = await readCpuSeconds();
    const at = clock.now();
    if (cpu === undefined) return { outcome: 'unknown', waitedMs: at - start, coreFraction: undefined };
    samples.push({ at, cpu });
    if (samples.length > pollsPerWindow) {
      const from = samples[samples.length - 1 - pollsPerWindow]!;
      const coreFraction = (cpu - from.cpu) / Math.max((at - from.at) / 1000, 1e-9);
      if (coreFraction < options.maxCoreFraction) return { outcome: 'quiet', waitedMs: at - start, coreFraction };
      if (at - start >= options.capMs) return { outcome: 'capped', waitedMs: at - start, coreFraction };
      samples.shift();
    }
    await clock.sleep(options.pollMs);
  }
}
