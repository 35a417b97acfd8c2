import { formatNumber } from './format.js';
import type { Verdict } from './headline.js';
import type { ReportTable } from './tables.js';

/**
 * The verdict as a report table: one row per run, one column per headline figure that at least
 * one run has (none: no table, as for an experiment that measured none of the default figures).
 */
export function verdictTable(verdict: Verdict): ReportTable | undefined {
  const columns = verdict.columns.filter((column) =>
    verdict.rows.some((row) => row.figures[column.name] !== undefined),
  );
  if (verdict.rows.length === 0 || columns.length === 0) return undefined;
  return {
    title: 'Verdict',
    header: ['run', ...columns.map((column) => column.name)],
    rows: verdict.rows.map((row) => [
      row.key,
      ...columns.map((column) => formatNumber(row.figures[column.name])),
    ]),
  };
}
