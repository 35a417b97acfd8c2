import type { Headline } from './headline.js';
import { latencyPercentileChart } from './percentiles.js';
import { runName } from './tables.js';

/** Experiments without a headline of their own: the latency percentile plot and each run's key figures. */
export const defaultHeadline: Headline = {
  chart: (result) => latencyPercentileChart(result),
  verdict: (result) => ({
    columns: [
      { name: 'p50 (ms)', better: 'lower' },
      { name: 'p99 (ms)', better: 'lower' },
      { name: 'delivered/s', better: 'higher' },
      { name: 'lost', better: 'lower' },
    ],
    rows: result.runs.map((run) => ({
      key: runName(run),
      figures: {
        'p50 (ms)': run.latencyMs?.p50,
        'p99 (ms)': run.latencyMs?.p99,
        'delivered/s': run.deliveredPerS,
        lost: run.messages?.lost,
      },
    })),
  }),
};
