import type { ChartSpec } from './chart-spec.js';
import type { ExperimentResult } from './schema.js';

/** Which way a figure gets better (for deltas in `wslab report --compare`). */
export type Better = 'lower' | 'higher';

/** A headline figure: a column of the verdict table, compared between reports by (row, name). */
export interface FigureColumn {
  name: string;
  better: Better;
}

/** One row of the verdict table: a run (or a configuration) and its headline figures by column name. */
export interface VerdictRow {
  key: string;
  figures: Record<string, number | undefined>;
}

/** The numbers a user would quote, one row per run or configuration. */
export interface Verdict {
  columns: FigureColumn[];
  rows: VerdictRow[];
}

/**
 * What a report opens with: one chart that answers the experiment's question on its own, and the
 * verdict table. Each experiment names its own (`lab/experiments/<name>/headline.ts`) or the shared
 * `defaultHeadline`.
 */
export interface Headline {
  chart(result: ExperimentResult): ChartSpec | undefined;
  verdict(result: ExperimentResult): Verdict;
}
