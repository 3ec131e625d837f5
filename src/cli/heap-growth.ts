/**
 * Caps how far V8 lets a heap grow past its live data between full collections (imported first by
 * main.ts, before the heap has grown). V8 picks that factor itself, from 1.1 up to 4, by how fast it
 * collects: Sluice's main heap holds ~25 MB of live objects at full load, and with a factor near 4 its
 * old generation reached 114–124 MB before a full collection, in some runs and not others (the same
 * code landed on either side, 64–66 MB or 114–124 MB), which alone swung peak RSS by ~50 MB. A factor
 * of 2 (`--heap-growing-percent=100`) keeps the old generation within about twice the live data.
 * Measured at full batch load with delivery on, three interleaved pairs: peak RSS 241, 247, 261 MB
 * against 279, 286, 254 MB without, with no throughput cost seen (docs/benchmarks.md). Full
 * collections come more often; their marking runs mostly on V8's helper threads.
 *
 * The flag is process-wide (worker isolates too), and read by V8 at each full collection, so setting it
 * at start-up takes effect. An operator's own `--heap-growing-percent` (node flags or NODE_OPTIONS) wins.
 */
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 100;

/** The V8 flag to set, or undefined when the operator chose their own. */
export function heapGrowthFlag(execArgv: readonly string[], nodeOptions: string | undefined): string | undefined {
  const chosen = (argument: string) => /^--heap[-_]growing[-_]percent(=|$)/.test(argument);
  if (execArgv.some(chosen) || (nodeOptions ?? '').split(/\s+/).some(chosen)) return undefined;
  return `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}

const flag = heapGrowthFlag(process.execArgv, process.env.NODE_OPTIONS);
if (flag) setFlagsFromString(flag);
