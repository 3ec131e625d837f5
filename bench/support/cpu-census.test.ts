import { describe, expect, it } from 'vitest';
import { otherCpu, otherCpuText, takeCpuCensus, type CpuCensus } from './cpu-census.js';

const census = (at: number, entries: [number, string, number][]): CpuCensus => ({ at, byPid: new Map(entries.map(([pid, name, seconds]) => [pid, { name, seconds }])) });

describe('otherCpu', () => {
  it('counts every process present in both readings except the excluded ones, and names the large ones', () => {
    const before = census(0, [
      [1, 'init', 10],
      [42, 'node', 100],
      [83, 'kdamond.0', 5],
      [900, 'node', 7],
    ]);
    const after = census(2000, [
      [1, 'init', 10.02],
      [42, 'node', 101.8],
      [83, 'kdamond.0', 5.08],
      [900, 'node', 7.2],
      [1234, 'node', 3], // started in between: the load generator, not counted
    ]);
    const other = otherCpu(before, after, new Set([42]));
    expect(other.cores).toBeCloseTo((0.02 + 0.08 + 0.2) / 2, 6);
    expect(other.top.map((user) => [user.pid, user.name, Number(user.cores.toFixed(3))])).toEqual([
      [900, 'node', 0.1],
      [83, 'kdamond.0', 0.04],
    ]);
    expect(otherCpuText(other, 900)).toBe('everything else 15% of a core (this benchmark 10%, kdamond.0 83 4%)');
  });

  it('does not take a reused pid for the same process', () => {
    const other = otherCpu(census(0, [[7, 'sleep', 1]]), census(1000, [[7, 'node', 50]]), new Set());
    expect(other).toEqual({ cores: 0, top: [] });
  });

  it('says nothing about an empty interval', () => {
    expect(otherCpu(census(5, []), census(5, []), new Set())).toEqual({ cores: 0, top: [] });
    expect(otherCpuText({ cores: 0, top: [] })).toBe('everything else 0% of a core');
  });
});

describe('takeCpuCensus', () => {
  it.runIf(process.platform === 'linux')('sees the CPU this process spends between two readings', async () => {
    const before = await takeCpuCensus();
    // Spend 200 ms of CPU (not wall time): the census must account for at least most of it.
    const start = process.cpuUsage();
    let spin = 0;
    while ((process.cpuUsage(start).user + process.cpuUsage(start).system) / 1e6 < 0.2) spin++;
    const after = await takeCpuCensus();
    expect(spin).toBeGreaterThan(0);
    const self = after!.byPid.get(process.pid)!.seconds - before!.byPid.get(process.pid)!.seconds;
    expect(self).toBeGreaterThanOrEqual(0.17);
    expect(after!.byPid.get(process.pid)!.name).toMatch(/node|vitest/);
  });
});
