/**
 * Who else used the CPU while a figure was measured: the user + system time of every process on the
 * machine (Linux /proc/<pid>/stat, all threads of each, kernel threads included), read before and
 * after. "The machine was 93% busy" says that something competed; the census says what: a process
 * left over from an earlier run, a kernel daemon (this VM's `kdamond.0` samples memory every 0.5 s),
 * a backup job on the host. A process that starts or ends between the two readings is not counted
 * (so the load generator a measurement starts is not "someone else").
 */
import { readdir, readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { clockTicksPerSecond } from './processes.js';

export interface CpuCensus {
  /** performance.now() when read, ms. */
  readonly at: number;
  /** CPU seconds used so far, by pid. */
  readonly byPid: ReadonlyMap<number, { readonly name: string; readonly seconds: number }>;
}

export interface OtherCpu {
  /** Cores' worth of CPU used by the processes counted, on average over the interval. */
  readonly cores: number;
  /** The largest users, most first (those above the threshold). */
  readonly top: readonly { readonly pid: number; readonly name: string; readonly cores: number }[];
}

/** Reads every process's CPU time; undefined where /proc is absent. */
export async function takeCpuCensus(ticksPerSecond: number = clockTicksPerSecond()): Promise<CpuCensus | undefined> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return undefined;
  }
  const at = performance.now();
  const byPid = new Map<number, { name: string; seconds: number }>();
  await Promise.all(
    entries
      .filter((entry) => /^\d+$/.test(entry))
      .map(async (entry) => {
        try {
          const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
          const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          // Fields after the name start at field 3; utime and stime are fields 14 and 15.
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          byPid.set(Number(entry), { name, seconds: (Number(fields[11]) + Number(fields[12])) / ticksPerSecond });
        } catch {
          // Gone between the listing and the read.
        }
      }),
  );
  return { at, byPid };
}

/**
 * CPU used between two censuses by every process present in both, except `excluded` (the measured
 * server): in cores, with each process above `minCores` named.
 */
export function otherCpu(before: CpuCensus, after: CpuCensus, excluded: ReadonlySet<number>, minCores = 0.02): OtherCpu {
  const seconds = (after.at - before.at) / 1000;
  if (!(seconds > 0)) return { cores: 0, top: [] };
  let total = 0;
  const users: { pid: number; name: string; cores: number }[] = [];
  for (const [pid, now] of after.byPid) {
    const then = before.byPid.get(pid);
    if (!then || excluded.has(pid) || then.name !== now.name) continue;
    const cores = Math.max(0, now.seconds - then.seconds) / seconds;
    total += cores;
    if (cores >= minCores) users.push({ pid, name: now.name, cores });
  }
  users.sort((a, b) => b.cores - a.cores);
  return { cores: total, top: users };
}

/** "everything else 14% of a core (node 4242 10%, kdamond.0 83 2%)", `self` labelled as such. */
export function otherCpuText(other: OtherCpu, self: number = process.pid): string {
  const percent = (cores: number) => `${(100 * cores).toFixed(0)}%`;
  const named = other.top.slice(0, 4).map((user) => `${user.pid === self ? 'this benchmark' : `${user.name} ${user.pid}`} ${percent(user.cores)}`);
  return `everything else ${percent(other.cores)} of a core${named.length > 0 ? ` (${named.join(', ')})` : ''}`;
}
