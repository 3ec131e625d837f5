/**
 * V8 settings Sluice picks for itself at start-up (imported first by main.ts, before the heap has grown
 * or a worker isolate exists). Both flags are process-wide (worker isolates too) and read by V8 at each
 * collection, so setting them here takes effect. An operator's own choice of either flag (node flags or
 * NODE_OPTIONS, either spelling, `--no-` form included) wins.
 *
 * - `--heap-growing-percent=100`: caps how far V8 lets a heap grow past its live data between full
 *   collections. V8 picks that factor itself, from 1.1 up to 4, by how fast it collects: Sluice's main
 *   heap holds ~25 MB of live objects at full load, and with a factor near 4 its old generation reached
 *   114–124 MB before a full collection, in some runs and not others, which alone swung peak RSS by
 *   ~50 MB. Measured at full batch load with delivery on, three interleaved pairs: peak RSS 241, 247,
 *   261 MB against 279, 286, 254 MB without, with no throughput cost seen (docs/benchmarks.md).
 *
 * - `--no-parallel-scavenge`, on machines with fewer than four cores: a young-generation collection
 *   otherwise hands its work to V8's helper threads and waits for them. Sluice keeps three threads busy
 *   under load (the event loop, the ingest worker, delivery's spool thread), so on two cores a helper
 *   often waits for a core while the collecting thread waits for the helper. The ingest worker collects
 *   ~40 times a second at half load; its scavenge pauses added up to 583–795 ms per run against
 *   975–1,130 ms with helpers (three traced pairs at 1,000 requests/s), several of 20–33 ms.
 */
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 100;
/** Below this many cores, scavenges run on the collecting thread alone. */
export const PARALLEL_SCAVENGE_MIN_CORES = 4;

interface V8Default {
  /** The flag's name without dashes or `no-`, in V8's dash spelling. */
  readonly name: string;
  readonly flag: (cores: number) => string | undefined;
}

const defaults: readonly V8Default[] = [
  { name: 'heap-growing-percent', flag: () => `--heap-growing-percent=${HEAP_GROWING_PERCENT}` },
  { name: 'parallel-scavenge', flag: (cores) => (cores < PARALLEL_SCAVENGE_MIN_CORES ? '--no-parallel-scavenge' : undefined) },
];

/** True when `argument` sets V8 flag `name` (`--name`, `--name=…`, `--no-name`, with `-` or `_`). */
function setsFlag(argument: string, name: string): boolean {
  const pattern = name.replaceAll('-', '[-_]');
  return new RegExp(`^--(no[-_])?${pattern}(=|$)`).test(argument);
}

/** The V8 flags to set: Sluice's defaults for this machine, less those the operator chose. */
export function v8DefaultFlags(execArgv: readonly string[], nodeOptions: string | undefined, cores: number): string[] {
  const operator = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)];
  return defaults.filter((entry) => !operator.some((argument) => setsFlag(argument, entry.name))).flatMap((entry) => entry.flag(cores) ?? []);
}

for (const flag of v8DefaultFlags(process.execArgv, process.env.NODE_OPTIONS, availableParallelism())) setFlagsFromString(flag);
