/**
 * The one shape every benchmark reports in (DESIGN B5). A figure with a baseline carries the baseline
 * measured in the same run on the same machine, and the ratio; `requirement` states the bar it must meet
 * so the table can say pass/fail. The machine is shared and noisy: ratios are what we compare.
 */
export interface BenchFigure {
  /** e.g. "ingest /v1/batch events/s" */
  readonly name: string;
  readonly unit: string;
  readonly value: number;
  readonly baseline?: { readonly name: string; readonly value: number };
  /** value / baseline.value (for "lower is better" figures, still value / baseline). */
  readonly ratio?: number;
  /** What the figure must meet: a minimum ratio, or a maximum/minimum absolute value. */
  readonly requirement?: { readonly minRatio?: number; readonly max?: number; readonly min?: number };
  /** Free-form notes (level chosen, ratio of compression, ...). */
  readonly notes?: string;
}

export interface Benchmark {
  readonly name: string;
  run(): Promise<BenchFigure[]>;
}
