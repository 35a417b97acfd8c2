import { capacityTables } from './capacity-tables.js';
import { formatMiB, formatNumber } from './format.js';
import type { Judgement } from './judgement.js';
import type { ExperimentResult, RunResult } from './schema.js';
import { summarize } from './stats.js';

/** A table of the report, rendered both in report.md and index.html. */
export interface ReportTable {
  title: string;
  header: string[];
  rows: string[][];
}

interface Column {
  header: string;
  /** Only shown when at least one run has a value. */
  value: (run: RunResult) => number | undefined;
}

const RUN_COLUMNS: Column[] = [
  { header: 'p50 (ms)', value: (run) => run.latencyMs?.p50 },
  { header: 'p95 (ms)', value: (run) => run.latencyMs?.p95 },
  { header: 'p99 (ms)', value: (run) => run.latencyMs?.p99 },
  { header: 'max (ms)', value: (run) => run.latencyMs?.max },
  { header: 'published/s', value: (run) => run.publishedPerS },
  { header: 'delivered/s', value: (run) => run.deliveredPerS },
  { header: 'delivered', value: (run) => run.messages?.delivered },
  { header: 'lost', value: (run) => run.messages?.lost },
  { header: 'duplicated', value: (run) => run.messages?.duplicated },
  { header: 'recovered', value: (run) => run.messages?.recovered },
  { header: 'reconnects', value: (run) => (run.reconnectMs.length > 0 ? run.reconnectMs.length : undefined) },
  {
    header: 'reconnect p50 (ms)',
    value: (run) => (run.reconnectMs.length > 0 ? summarize(run.reconnectMs).p50 : undefined),
  },
  {
    header: 'reconnect p99 (ms)',
    value: (run) => (run.reconnectMs.length > 0 ? summarize(run.reconnectMs).p99 : undefined),
  },
];

/** A run's name in tables: invalid runs carry the mark wherever their figures appear. */
export function runName(run: RunResult): string {
  return run.validity?.valid === false ? `${run.label} (INVALID)` : run.label;
}

/**
 * One line per run the checker does not trust: shown above the conclusions, since every figure of
 * such a run is suspect.
 */
export function invalidRunLines(judgement: Pick<Judgement, 'invalidRuns'>): string[] {
  return judgement.invalidRuns.map((entry) => `${entry.run}: ${entry.reasons.join('; ')}`);
}

/** The headline table: one row per run, the columns that any run has figures for (none: no table). */
export function runsTable(result: ExperimentResult): ReportTable | undefined {
  const columns = RUN_COLUMNS.filter((column) => result.runs.some((run) => column.value(run) !== undefined));
  if (columns.length === 0) return undefined;
  return {
    title: 'Runs',
    header: ['run', ...columns.map((column) => column.header)],
    rows: result.runs.map((run) => [
      runName(run),
      ...columns.map((column) => formatNumber(column.value(run))),
    ]),
  };
}

/** Experiment-specific figures (`metrics`), one column per metric name. */
export function metricsTable(result: ExperimentResult): ReportTable | undefined {
  const names = [...new Set(result.runs.flatMap((run) => Object.keys(run.metrics)))];
  if (names.length === 0) return undefined;
  return {
    title: 'Measurements',
    header: ['run', ...names],
    rows: result.runs.map((run) => [run.label, ...names.map((name) => formatNumber(run.metrics[name]))]),
  };
}

/** CPU and memory of every component, per run. */
export function resourcesTable(result: ExperimentResult): ReportTable | undefined {
  const rows = result.runs.flatMap((run) =>
    run.resources.map((usage) => [
      run.label,
      usage.component,
      String(usage.pid),
      formatNumber(usage.cpuSeconds),
      formatNumber(usage.cpuPercentMean),
      formatNumber(usage.cpuPercentMax),
      formatMiB(usage.rssMaxBytes),
    ]),
  );
  if (rows.length === 0) return undefined;
  return {
    title: 'Where the time went (CPU and memory from /proc)',
    header: ['run', 'component', 'pid', 'CPU (s)', 'CPU mean (%)', 'CPU max (%)', 'RSS max (MiB)'],
    rows,
  };
}

/** Faults and lab actions, with their time from the start of each run. */
export function eventsTable(result: ExperimentResult): ReportTable | undefined {
  const rows = result.runs.flatMap((run) =>
    run.events.map((event) => [run.label, (event.tMs / 1000).toFixed(2), event.kind, event.detail]),
  );
  if (rows.length === 0) return undefined;
  return { title: 'Events', header: ['run', 't (s)', 'event', 'detail'], rows };
}

/**
 * The parameters of each run (what differed between them, the arrival model included) and, for
 * runs with a load schedule, how late the load generator was and whether the run is valid.
 */
export function parametersTable(result: ExperimentResult): ReportTable | undefined {
  const names = [...new Set(result.runs.flatMap((run) => Object.keys(run.parameters)))];
  const withValidity = result.runs.some((run) => run.validity !== undefined);
  if (names.length === 0 && !withValidity) return undefined;
  const validityHeader = withValidity
    ? ['load lag p99 (ms)', 'load lag max (ms)', 'lag bound p99 (ms)', 'valid']
    : [];
  const validityCells = (run: RunResult): string[] => {
    if (!withValidity) return [];
    const validity = run.validity;
    if (!validity) return ['–', '–', '–', '–'];
    return [
      formatNumber(validity.schedulingLagP99Ms ?? undefined),
      formatNumber(validity.schedulingLagMaxMs ?? undefined),
      formatNumber(validity.boundP99Ms ?? undefined),
      validity.valid ? 'yes' : 'INVALID',
    ];
  };
  return {
    title: 'Run parameters',
    header: ['run', ...names, ...validityHeader],
    rows: result.runs.map((run) => [
      run.label,
      ...names.map((name) => {
        const value = run.parameters[name];
        return value === undefined || value === null ? '–' : String(value);
      }),
      ...validityCells(run),
    ]),
  };
}

/** Every table of the report, in order. */
export function tablesFor(result: ExperimentResult): ReportTable[] {
  return [
    ...capacityTables(result.capacity),
    runsTable(result),
    metricsTable(result),
    resourcesTable(result),
    eventsTable(result),
    parametersTable(result),
  ].filter((table): table is ReportTable => table !== undefined);
}
