import {
  CHART_HEIGHT_PX,
  CHART_WIDTH_PX,
  type ChartSpec,
  VEGA_LITE_SCHEMA,
} from '../../report/chart-spec.js';
import type { Headline } from '../../report/headline.js';
import type { ExperimentResult } from '../../report/schema.js';
import { runName } from '../../report/tables.js';

interface ScalePoint {
  run: string;
  load: string;
  replicas: number;
  deliveredPerS: number;
  /** delivered(N) / (N × delivered(1)) at the same offered load: 1 = linear scaling. */
  efficiency: number | undefined;
  p99: number | undefined;
  /** The capacity model's prediction for this count, fitted on the other counts (held out). */
  predictedPerS?: number | undefined;
}

/**
 * A capped scale run (result.capacity): each replica count's maximum sustainable rate, found by
 * stepping the offered load, with its efficiency, limiting component and the model's prediction
 * where it was held out. Older results (fixed offered loads, no caps) fall back to their runs.
 */
function capacityPoints(result: ExperimentResult): ScalePoint[] | undefined {
  const capacity = result.capacity;
  if (!capacity || capacity.perReplicaCount.length === 0) return undefined;
  const cap = `${capacity.limits.replicaCpuCores} CPU each${capacity.capped ? '' : ' (UNCAPPED)'}`;
  return capacity.perReplicaCount.map((count) => ({
    run: `${count.replicas} replica${count.replicas === 1 ? '' : 's'} (limit: ${count.limiting})`,
    load: `max sustainable, ${cap}`,
    replicas: count.replicas,
    deliveredPerS: count.maxSustainedDeliveriesPerS,
    efficiency: count.efficiency ?? undefined,
    p99: undefined,
    predictedPerS: count.predictedDeliveriesPerS,
  }));
}

/** Runs with a replica count and a delivered rate, with their scaling efficiency per offered load. */
export function scalePoints(result: ExperimentResult): ScalePoint[] {
  const capped = capacityPoints(result);
  if (capped) return capped;
  const points = result.runs.flatMap((run) => {
    const replicas = run.parameters.replicas;
    if (typeof replicas !== 'number' || run.deliveredPerS === undefined) return [];
    return [
      {
        run: runName(run),
        load: String(run.parameters.load ?? 'all'),
        replicas,
        deliveredPerS: run.deliveredPerS,
        p99: run.latencyMs?.p99,
      },
    ];
  });
  return points.map((point) => {
    const one = points.find((other) => other.load === point.load && other.replicas === 1);
    return {
      ...point,
      efficiency:
        one && one.deliveredPerS > 0 ? point.deliveredPerS / (point.replicas * one.deliveredPerS) : undefined,
    };
  });
}

/** Deliveries/s against replicas (solid, left axis) and scaling efficiency (dashed, right axis), per offered load. */
function chart(result: ExperimentResult): ChartSpec | undefined {
  const values = scalePoints(result);
  if (values.length === 0) return undefined;
  const x = { field: 'replicas', type: 'quantitative', title: 'replicas', axis: { tickMinStep: 1 } } as const;
  const color = {
    field: 'load',
    type: 'nominal',
    title: 'offered load',
    legend: { labelLimit: 320 },
  } as const;
  return {
    file: 'headline-scaling.svg',
    title:
      'Delivered messages/s against replicas (solid), scaling efficiency (dashed: 100% = linear), the model’s held-out prediction (square)',
    spec: {
      $schema: VEGA_LITE_SCHEMA,
      width: CHART_WIDTH_PX,
      height: CHART_HEIGHT_PX,
      data: { values },
      layer: [
        {
          mark: { type: 'line', point: true },
          encoding: {
            x,
            y: { field: 'deliveredPerS', type: 'quantitative', title: 'delivered / s' },
            color,
            tooltip: [{ field: 'run' }, { field: 'deliveredPerS' }, { field: 'p99' }],
          },
        },
        {
          // the model's held-out prediction: a hollow square where it was made
          transform: [{ filter: 'isValid(datum.predictedPerS)' }],
          mark: { type: 'point', shape: 'square', filled: false, size: 120 },
          encoding: {
            x,
            y: { field: 'predictedPerS', type: 'quantitative' },
            color,
            tooltip: [{ field: 'run' }, { field: 'predictedPerS', title: 'predicted / s' }],
          },
        },
        {
          mark: { type: 'line', strokeDash: [5, 4], point: { shape: 'diamond' } },
          encoding: {
            x,
            y: {
              field: 'efficiency',
              type: 'quantitative',
              title: 'efficiency',
              axis: { format: '.0%', orient: 'right' },
              // from 0, and past 100% when a run did better than linear (a noisy one-replica baseline)
              scale: {
                domainMin: 0,
                domainMax: Math.max(1.2, ...values.map((value) => value.efficiency ?? 0)),
              },
            },
            color,
            tooltip: [{ field: 'run' }, { field: 'efficiency', format: '.0%' }],
          },
        },
      ],
      resolve: { scale: { y: 'independent' } },
    },
  };
}

export const scaleHeadline: Headline = {
  chart,
  verdict: (result) => ({
    columns: [
      { name: 'replicas', better: 'higher' },
      { name: 'delivered/s', better: 'higher' },
      { name: 'efficiency (%)', better: 'higher' },
      { name: 'p99 (ms)', better: 'lower' },
      { name: 'predicted/s', better: 'higher' },
    ],
    rows: scalePoints(result).map((point) => ({
      key: point.run,
      figures: {
        replicas: point.replicas,
        'delivered/s': point.deliveredPerS,
        'efficiency (%)': point.efficiency === undefined ? undefined : point.efficiency * 100,
        'p99 (ms)': point.p99,
        'predicted/s': point.predictedPerS,
      },
    })),
  }),
};
