import { type ChartSpec, perProxyColumns } from '../../report/chart-spec.js';
import type { Headline } from '../../report/headline.js';
import type { ExperimentResult, RunResult } from '../../report/schema.js';
import { summarize } from '../../report/stats.js';
import { runName } from '../../report/tables.js';

interface FailoverFigures {
  run: string;
  proxy: string;
  stickiness: string;
  reconnected: number;
  p50: number | undefined;
  p99: number | undefined;
  lost: number | undefined;
  duplicated: number | undefined;
  recovered: number | undefined;
}

function figuresOf(run: RunResult): FailoverFigures {
  const reconnect = run.reconnectMs.length > 0 ? summarize(run.reconnectMs) : undefined;
  return {
    run: runName(run),
    proxy: String(run.parameters.proxy ?? run.label),
    stickiness: String(run.parameters.stickiness ?? '–'),
    reconnected: run.reconnectMs.length,
    p50: reconnect?.p50,
    p99: reconnect?.p99,
    lost: run.messages?.lost,
    duplicated: run.messages?.duplicated,
    recovered: run.messages?.recovered,
  };
}

/** Reconnect p99 (bar) and p50 (tick) per proxy × stickiness, each bar captioned with lost and duplicated. */
function chart(result: ExperimentResult): ChartSpec | undefined {
  const values = result.runs
    .map(figuresOf)
    .filter((figures) => figures.p99 !== undefined)
    .map((figures) => ({
      ...figures,
      note: `lost ${figures.lost ?? 0} · dup ${figures.duplicated ?? 0}`,
    }));
  if (values.length === 0) return undefined;
  const x = {
    field: 'stickiness',
    type: 'nominal',
    title: 'stickiness',
    sort: ['none', 'cookie', 'source', 'room'],
    axis: { labelAngle: 0 },
  } as const;
  const tooltip = [
    { field: 'run' },
    { field: 'reconnected', title: 'clients reconnected' },
    { field: 'p50', title: 'p50 (ms)' },
    { field: 'p99', title: 'p99 (ms)' },
    { field: 'lost' },
    { field: 'duplicated' },
    { field: 'recovered' },
  ];
  return {
    file: 'headline-reconnect.svg',
    title:
      'Reconnect time after SIGKILL per proxy × stickiness: bar p99, black tick p50; lost and duplicated above',
    spec: perProxyColumns(values, [
      {
        mark: { type: 'bar', opacity: 0.75 },
        encoding: {
          x,
          y: { field: 'p99', type: 'quantitative', title: 'reconnect time (ms)' },
          color: { field: 'proxy', type: 'nominal', legend: null },
          tooltip,
        },
      },
      {
        mark: { type: 'tick', color: 'black', thickness: 3 },
        encoding: { x, y: { field: 'p50', type: 'quantitative' }, tooltip },
      },
      {
        mark: { type: 'text', dy: -8, fontSize: 11 },
        encoding: { x, y: { field: 'p99', type: 'quantitative' }, text: { field: 'note' } },
      },
    ]),
  };
}

export const failoverReplicaHeadline: Headline = {
  chart,
  verdict: (result) => ({
    columns: [
      { name: 'reconnected', better: 'lower' },
      { name: 'reconnect p50 (ms)', better: 'lower' },
      { name: 'reconnect p99 (ms)', better: 'lower' },
      { name: 'lost', better: 'lower' },
      { name: 'duplicated', better: 'lower' },
      { name: 'recovered', better: 'higher' },
    ],
    rows: result.runs.map((run) => {
      const figures = figuresOf(run);
      return {
        key: figures.run,
        figures: {
          reconnected: figures.reconnected,
          'reconnect p50 (ms)': figures.p50,
          'reconnect p99 (ms)': figures.p99,
          lost: figures.lost,
          duplicated: figures.duplicated,
          recovered: figures.recovered,
        },
      };
    }),
  }),
};
