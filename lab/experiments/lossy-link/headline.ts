import { type ChartSpec, perProxyColumns } from '../../report/chart-spec.js';
import type { Headline } from '../../report/headline.js';
import type { ExperimentResult, RunResult } from '../../report/schema.js';

function rowOf(run: RunResult) {
  return {
    run: run.label,
    proxy: String(run.parameters.proxy ?? ''),
    link: String(run.parameters.link ?? run.label),
    p50: run.latencyMs?.p50,
    p99: run.latencyMs?.p99,
    max: run.latencyMs?.max,
    closes1013: run.metrics['closes.1013'] ?? 0,
    dropped: run.metrics.slowConsumersDropped,
    lost: run.metrics.ackedLost,
  };
}

/** Latency p99 (bar) and p50 (tick) per link condition and proxy, captioned with 1013 closes and lost. */
function chart(result: ExperimentResult): ChartSpec | undefined {
  const values = result.runs
    .map(rowOf)
    .filter((row) => row.p99 !== undefined)
    .map((row) => ({ ...row, note: `1013 ×${row.closes1013} · lost ${row.lost ?? 0}` }));
  if (values.length === 0) return undefined;
  const x = { field: 'link', type: 'nominal', title: 'link', axis: { labelAngle: 0 }, sort: null } as const;
  const y = { type: 'quantitative', scale: { type: 'log' } } as const;
  const tooltip = [
    { field: 'run' },
    { field: 'p50', title: 'p50 (ms)' },
    { field: 'p99', title: 'p99 (ms)' },
    { field: 'max', title: 'max (ms)' },
    { field: 'closes1013', title: '1013 closes' },
    { field: 'lost', title: 'acked lost' },
  ];
  return {
    file: 'headline-lossy-link.svg',
    title:
      'Lossy and thin links: delivery latency p99 (bar) and p50 (tick) while the fault holds; 1013 closes and lost above',
    spec: perProxyColumns(values, [
      {
        mark: { type: 'bar', opacity: 0.8 },
        encoding: {
          x,
          y: { ...y, field: 'p99', title: 'publish → receive (ms, log)' },
          color: { field: 'proxy', type: 'nominal', legend: null },
          tooltip,
        },
      },
      {
        mark: { type: 'tick', color: 'black', thickness: 2 },
        encoding: { x, y: { ...y, field: 'p50' }, tooltip },
      },
      {
        mark: { type: 'text', dy: -8, fontSize: 10 },
        encoding: { x, y: { ...y, field: 'p99' }, text: { field: 'note' } },
      },
    ]),
  };
}

export const lossyLinkHeadline: Headline = {
  chart,
  verdict: (result) => ({
    columns: [
      { name: 'p50 (ms)', better: 'lower' },
      { name: 'p99 (ms)', better: 'lower' },
      { name: 'max (ms)', better: 'lower' },
      { name: '1013 closes', better: 'lower' },
      { name: 'slow consumers dropped', better: 'lower' },
      { name: 'acked lost', better: 'lower' },
    ],
    rows: result.runs.map((run) => {
      const row = rowOf(run);
      return {
        key: row.run,
        figures: {
          'p50 (ms)': row.p50,
          'p99 (ms)': row.p99,
          'max (ms)': row.max,
          '1013 closes': row.closes1013,
          'slow consumers dropped': row.dropped,
          'acked lost': row.lost,
        },
      };
    }),
  }),
};
