/**
 * `npm run bench` — runs every benchmark and prints a table; `npm run bench -- --json` prints one JSON
 * object instead (DESIGN B5). `--quick` shortens every run (smoke test); `--only name[,name]` picks some.
 * Run it on a quiet machine: figures are compared as ratios to baselines measured in the same run.
 */
import os from 'node:os';
import type { BenchFigure, Benchmark } from './types.js';
import { otherCpu, otherCpuText, takeCpuCensus } from './support/cpu-census.js';
import { e2eLatencyBenchmarkWith } from './e2e-latency.js';
import { createFlushBenchmark } from './flush.js';
import { ingestBenchmark } from './ingest.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? new Set((args[onlyIndex + 1] ?? '').split(',')) : undefined;

const benchmarks: Benchmark[] = [ingestBenchmark({ quick }), createFlushBenchmark({ quick }), e2eLatencyBenchmarkWith({ quick })].filter((benchmark) => !only || only.has(benchmark.name));

function meets(figure: BenchFigure): boolean | undefined {
  const requirement = figure.requirement;
  if (!requirement) return undefined;
  if (requirement.minRatio !== undefined && !((figure.ratio ?? NaN) >= requirement.minRatio)) return false;
  if (requirement.max !== undefined && !(figure.value <= requirement.max)) return false;
  if (requirement.min !== undefined && !(figure.value >= requirement.min)) return false;
  return true;
}

function describeRequirement(figure: BenchFigure): string {
  const requirement = figure.requirement;
  if (!requirement) return '';
  const parts: string[] = [];
  if (requirement.minRatio !== undefined) parts.push(`ratio ≥ ${requirement.minRatio}`);
  if (requirement.max !== undefined) parts.push(`≤ ${requirement.max} ${figure.unit}`);
  if (requirement.min !== undefined) parts.push(`≥ ${requirement.min} ${figure.unit}`);
  return parts.join(', ');
}

const format = (value: number) => (Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3));

/** Above this much of a core used by others before the start, the output says the machine was not idle. */
const NOT_IDLE_CORES = 0.1;

/**
 * How busy the machine was just before the benchmarks (1 s): every figure assumes an otherwise idle
 * machine, and something left running (an earlier run's server, say) skews them all without showing.
 */
async function idleCheck(): Promise<string | undefined> {
  const before = await takeCpuCensus();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const after = await takeCpuCensus();
  if (!before || !after) return undefined;
  // This process is excluded: it is busy starting up (tsx compiling the benchmarks).
  const other = otherCpu(before, after, new Set([process.pid]));
  return `${other.cores > NOT_IDLE_CORES ? 'NOT IDLE: ' : ''}${otherCpuText(other)}`;
}
const beforeStart = await idleCheck();
if (!json && beforeStart?.startsWith('NOT IDLE')) process.stderr.write(`the machine is busy before the benchmarks: ${beforeStart}\n`);

const results: Record<string, BenchFigure[]> = {};
for (const benchmark of benchmarks) {
  if (!json) process.stderr.write(`running ${benchmark.name}…\n`);
  results[benchmark.name] = await benchmark.run();
}

const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, quick, ...(beforeStart ? { beforeStart } : {}) };
const failed = Object.values(results).flat().filter((figure) => meets(figure) === false);

if (json) {
  process.stdout.write(`${JSON.stringify({ machine, results, requirementsMet: failed.length === 0 }, null, 2)}\n`);
} else {
  const rows = Object.values(results).flat().map((figure) => [
    figure.name,
    `${format(figure.value)} ${figure.unit}`,
    figure.baseline ? `${format(figure.baseline.value)} (${figure.baseline.name})` : '',
    figure.ratio === undefined ? '' : `${figure.ratio.toFixed(2)}×`,
    describeRequirement(figure),
    ({ true: 'ok', false: 'FAIL', undefined: '' } as const)[String(meets(figure)) as 'true' | 'false' | 'undefined'],
  ]);
  const header = ['figure', 'value', 'baseline (same run)', 'ratio', 'requirement', ''];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' │ ');
  process.stdout.write(`${line(header)}\n${widths.map((width) => '─'.repeat(width)).join('─┼─')}\n`);
  for (const row of rows) process.stdout.write(`${line(row)}\n`);
  const notes = Object.values(results).flat().filter((figure) => figure.notes);
  if (notes.length) process.stdout.write(`\nnotes:\n${notes.map((figure) => `  ${figure.name}: ${figure.notes}`).join('\n')}\n`);
  process.stdout.write(`\nmachine: ${machine.cpus}× ${machine.cpuModel}, ${machine.memoryGiB} GiB, node ${machine.node}${quick ? ' (quick run)' : ''}\n`);
  if (beforeStart) process.stdout.write(`in the second before the benchmarks: ${beforeStart}\n`);
}
process.exitCode = failed.length === 0 ? 0 : 1;
