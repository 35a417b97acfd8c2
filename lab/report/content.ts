import { type ChartSpec, chartsFor } from './charts.js';
import type { Headline } from './headline.js';
import type { ExperimentResult } from './schema.js';
import { type ReportTable, tablesFor } from './tables.js';
import { verdictTable } from './verdict.js';

/** What a report shows: the headline (one chart, the verdict table), then the details. */
export interface ReportContent {
  headlineChart: ChartSpec | undefined;
  verdict: ReportTable | undefined;
  tables: ReportTable[];
  charts: ChartSpec[];
}

/** The headline and details of a result, from its experiment's headline. */
export function reportContent(result: ExperimentResult, headline: Headline): ReportContent {
  return {
    headlineChart: headline.chart(result),
    verdict: verdictTable(headline.verdict(result)),
    tables: tablesFor(result),
    charts: chartsFor(result),
  };
}
