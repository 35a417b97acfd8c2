import {
  CHART_HEIGHT_PX,
  CHART_WIDTH_PX,
  type ChartSpec,
  VEGA_LITE_SCHEMA,
} from '../../report/chart-spec.js';
import type { Headline } from '../../report/headline.js';
import type { ExperimentResult, RunResult } from '../../report/schema.js';
import { runName } from '../../report/tables.js';

/** Messages published per second that a run offered (publishers × rate), when its parameters say. */
export function offeredPerS(run: RunResult): number | undefined {
  const publishers = run.parameters.publishers;
  const rate = run.parameters.ratePerPublisher;
  return typeof publishers === 'number' && typeof rate === 'number' ? publishers * rate : undefined;
}

/** The path a run measured: `direct`, `haproxy`, `nginx`. */
function pathOf(run: RunResult): string {
  return String(run.parameters.proxy ?? run.label);
}

/** p99 against offered load, one line per path (direct, HAProxy, Nginx): where each one bends. */
function chart(result: ExperimentResult): ChartSpec | undefined {
  const values = result.runs.flatMap((run) => {
    const offered = offeredPerS(run);
    const p99 = run.latencyMs?.p99;
    if (offered === undefined || p99 === undefined) return [];
    return [{ path: pathOf(run), run: runName(run), offered, p99, p50: run.latencyMs?.p50 }];
  });
  if (values.length === 0) return undefined;
  return {
    file: 'headline-p99-vs-load.svg',
    title: 'Fan-out p99 against offered load, per path (direct, HAProxy, Nginx)',
    spec: {
      $schema: VEGA_LITE_SCHEMA,
      width: CHART_WIDTH_PX,
      height: CHART_HEIGHT_PX,
      data: { values },
      mark: { type: 'line', point: { size: 60 } },
      encoding: {
        x: {
          field: 'offered',
          type: 'quantitative',
          title: 'offered load (published msg/s)',
          scale: { zero: false },
        },
        y: { field: 'p99', type: 'quantitative', title: 'p99 latency (ms)' },
        color: { field: 'path', type: 'nominal', title: 'path', sort: ['direct', 'haproxy', 'nginx'] },
        tooltip: [{ field: 'run' }, { field: 'offered' }, { field: 'p50' }, { field: 'p99' }],
      },
    },
  };
}

export const proxyCompareHeadline: Headline = {
  chart,
  verdict: (result) => {
    const direct = result.runs.filter((run) => pathOf(run) === 'direct');
    const directAt = (offered: number | undefined) => direct.find((run) => offeredPerS(run) === offered);
    return {
      columns: [
        { name: 'offered msg/s', better: 'higher' },
        { name: 'p50 (ms)', better: 'lower' },
        { name: 'p99 (ms)', better: 'lower' },
        { name: 'p99 vs direct (ms)', better: 'lower' },
        { name: 'delivered/s', better: 'higher' },
        { name: 'proxy CPU (s)', better: 'lower' },
        { name: 'lost', better: 'lower' },
      ],
      rows: result.runs.map((run) => {
        const offered = offeredPerS(run);
        const base = directAt(offered)?.latencyMs?.p99;
        const p99 = run.latencyMs?.p99;
        const path = pathOf(run);
        return {
          key: runName(run),
          figures: {
            'offered msg/s': offered,
            'p50 (ms)': run.latencyMs?.p50,
            'p99 (ms)': p99,
            'p99 vs direct (ms)':
              path !== 'direct' && base !== undefined && p99 !== undefined ? p99 - base : undefined,
            'delivered/s': run.deliveredPerS,
            'proxy CPU (s)': run.resources.find((usage) => usage.component === path)?.cpuSeconds,
            lost: run.messages?.lost,
          },
        };
      }),
    };
  },
};
