/**
 * What every benchmark module exports: `run(options)` returning its table, goals and data.
 */
export interface BenchOptions {
  /** Shorter runs (seconds instead of tens of seconds), same shape. */
  quick: boolean;
}

export interface Goal {
  goal: string;
  ok: boolean;
}

export interface BenchResult {
  name: string;
  title: string;
  /** The printed tables (Markdown). */
  text: string;
  goals: Goal[];
  /** Everything measured, written to bench/results/<name>.json. */
  data: unknown;
}

export type Benchmark = (options: BenchOptions) => Promise<BenchResult>;
