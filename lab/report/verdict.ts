import { formatNumber } from './format.js';
import type { Verdict } from './headline/headline.js';
import type { ReportTable } from './tables.js';

/** The verdict as a report table: one row per run, one column per headline figure. */
export function verdictTable(verdict: Verdict): ReportTable | undefined {
  if (verdict.rows.length === 0) return undefined;
  return {
    title: 'Verdict',
    header: ['run', ...verdict.columns.map((column) => column.name)],
    rows: verdict.rows.map((row) => [
      row.key,
      ...verdict.columns.map((column) => formatNumber(row.figures[column.name])),
    ]),
  };
}
