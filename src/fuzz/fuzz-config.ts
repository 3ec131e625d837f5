/**
 * Seed and size of every fuzz property (src/fuzz/*.fuzz.test.ts), so a run is deterministic by default
 * and any failure can be replayed:
 *
 *   FUZZ_SEED=<n>   seed for every property (default: a fixed seed). A failure prints the seed and the
 *                   fast-check path; `FUZZ_SEED=<n> npx vitest run src/fuzz` replays it.
 *   FUZZ_RUNS=<x>   multiplier of each property's number of runs (default 1; e.g. 20 for a long run:
 *                   `FUZZ_RUNS=20 npx vitest run src/fuzz`). FUZZ_RUNS > 1 also raises the test timeouts.
 *
 * Each test file prints one line of totals (runs, requests, failures) when FUZZ_RUNS is set.
 */
import fc from 'fast-check';

const DEFAULT_SEED = 20_261_122;

export const fuzzSeed = parseIntegerEnv('FUZZ_SEED', DEFAULT_SEED);
export const fuzzRunsMultiplier = parsePositiveEnv('FUZZ_RUNS', 1);
export const reportTotals = process.env.FUZZ_RUNS !== undefined;

/** Test timeout for a property of `baseRuns` runs: generous per run, scaled with the multiplier. */
export const timeoutFor = (baseMs: number): number => Math.ceil(baseMs * Math.max(1, fuzzRunsMultiplier)) + 10_000;

/** fast-check parameters: the fixed (or given) seed, runs scaled by FUZZ_RUNS, and a replay hint on failure. */
export function fuzzParameters<T>(baseRuns: number): fc.Parameters<T> {
  return {
    seed: fuzzSeed,
    numRuns: Math.max(1, Math.round(baseRuns * fuzzRunsMultiplier)),
    // Shrinking replays requests against the live server; keep it bounded.
    endOnFailure: false,
    reporter: (details) => {
      if (!details.failed) return;
      const path = details.counterexamplePath ?? '';
      throw new Error(
        `${fc.defaultReportMessage(details)}\n${details.errorInstance instanceof Error ? details.errorInstance.message : ''}\nReplay: FUZZ_SEED=${details.seed} npx vitest run src/fuzz  (fast-check path "${path}")`,
      );
    },
  };
}

/** Counts what a fuzz file did, for the long-run report. */
export class FuzzTotals {
  runs = 0;
  requests = 0;
  failures = 0;
  readonly byStatus = new Map<string, number>();
  /** Coverage notes, e.g. how many batches took the worker-pool path. */
  readonly notes = new Map<string, number>();

  note(what: string): void {
    this.notes.set(what, (this.notes.get(what) ?? 0) + 1);
  }

  count(status: number | string, code?: string): void {
    this.requests++;
    const key = code === undefined ? String(status) : `${status} ${code}`;
    this.byStatus.set(key, (this.byStatus.get(key) ?? 0) + 1);
  }

  print(label: string): void {
    if (!reportTotals) return;
    const statuses = [...this.byStatus.entries()].sort((a, b) => b[1] - a[1]).map(([key, n]) => `${key}: ${n}`);
    const notes = [...this.notes.entries()].map(([key, n]) => `${key}: ${n}`);
    console.log(`[fuzz] ${label}: seed ${fuzzSeed}, runs ${this.runs}, requests ${this.requests}, failures ${this.failures}\n  ${statuses.join(', ')}${notes.length > 0 ? `\n  ${notes.join(', ')}` : ''}`);
  }
}

function parseIntegerEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer (got ${JSON.stringify(raw)})`);
  return value;
}

function parsePositiveEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!(value > 0)) throw new Error(`${name} must be a positive number (got ${JSON.stringify(raw)})`);
  return value;
}

/** Fails the current run with every problem listed (an empty list passes). */
export function assertNoProblems(label: string, problems: readonly string[], totals?: FuzzTotals): void {
  if (problems.length === 0) return;
  if (totals) totals.failures++;
  throw new Error(`${label}\n  - ${problems.join('\n  - ')}`);
}
