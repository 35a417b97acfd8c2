import { predictMaxRate } from '../../capacity/model.js';
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
  /** Offered rates of the passing and failing steps around the knee (capped runs). */
  passingPerS?: number | undefined;
  failingPerS?: number | undefined;
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
    passingPerS: count.bracket?.passingPerS,
    failingPerS: count.bracket?.failingPerS ?? undefined,
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

/**
 * A capped run's answer: each measured count's max sustained deliveries/s with its bracket
 * (passing to failing offered rate) as the error bar, the model's line over every count, and the
 * held-out count's prediction (square). Counts not measured (machine-bound, not bracketed) have
 * no point: their figures answer nothing.
 */
function capacityChart(result: ExperimentResult): ChartSpec | undefined {
  const capacity = result.capacity;
  if (!capacity || capacity.perReplicaCount.length === 0) return undefined;
  const costs = capacity.unitCosts;
  const values = capacity.perReplicaCount.map((row) => ({
    replicas: row.replicas,
    run: `${row.replicas} replica${row.replicas === 1 ? '' : 's'}${row.notMeasured ? ` (${row.notMeasured})` : ''}`,
    measuredPerS: row.notMeasured === undefined ? row.maxSustainedDeliveriesPerS : undefined,
    passingPerS: row.notMeasured === undefined ? row.bracket?.passingPerS : undefined,
    failingPerS: row.notMeasured === undefined ? (row.bracket?.failingPerS ?? undefined) : undefined,
    modelPerS: costs ? predictMaxRate(row.replicas, costs, capacity.limits).deliveriesPerS : undefined,
    heldOutPerS:
      capacity.heldOut?.replicas === row.replicas ? capacity.heldOut.predictedDeliveriesPerS : undefined,
  }));
  const x = { field: 'replicas', type: 'quantitative', title: 'replicas', axis: { tickMinStep: 1 } } as const;
  const y = { type: 'quantitative', title: 'max sustained deliveries / s' } as const;
  const cap = `${capacity.limits.replicaCpuCores} CPU per replica${capacity.capped ? '' : ' (UNCAPPED)'}`;
  return {
    file: 'headline-scaling.svg',
    title: `Max sustained deliveries/s per replica count (${cap}): the bracket of the knee (bar), the model (dashed), its held-out prediction (square)`,
    spec: {
      $schema: VEGA_LITE_SCHEMA,
      width: CHART_WIDTH_PX,
      height: CHART_HEIGHT_PX,
      data: { values },
      layer: [
        {
          transform: [{ filter: 'isValid(datum.passingPerS) && isValid(datum.failingPerS)' }],
          mark: { type: 'rule', strokeWidth: 2 },
          encoding: { x, y: { ...y, field: 'passingPerS' }, y2: { field: 'failingPerS' } },
        },
        {
          transform: [{ filter: 'isValid(datum.measuredPerS)' }],
          mark: { type: 'line', point: true },
          encoding: {
            x,
            y: { ...y, field: 'measuredPerS' },
            tooltip: [
              { field: 'run' },
              { field: 'measuredPerS' },
              { field: 'passingPerS' },
              { field: 'failingPerS' },
            ],
          },
        },
        {
          transform: [{ filter: 'isValid(datum.modelPerS)' }],
          mark: { type: 'line', strokeDash: [5, 4], color: 'gray' },
          encoding: {
            x,
            y: { ...y, field: 'modelPerS' },
            tooltip: [{ field: 'modelPerS', title: 'model / s' }],
          },
        },
        {
          transform: [{ filter: 'isValid(datum.heldOutPerS)' }],
          mark: { type: 'point', shape: 'square', filled: false, size: 140, color: 'firebrick' },
          encoding: {
            x,
            y: { ...y, field: 'heldOutPerS' },
            tooltip: [{ field: 'run' }, { field: 'heldOutPerS', title: 'predicted (held out) / s' }],
          },
        },
      ],
    },
  };
}

/** Deliveries/s against replicas (solid, left axis) and scaling efficiency (dashed, right axis), per offered load. */
function chart(result: ExperimentResult): ChartSpec | undefined {
  const capped = capacityChart(result);
  if (capped) return capped;
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
      { name: 'bracket passing/s', better: 'higher' },
      { name: 'bracket failing/s', better: 'higher' },
    ],
    rows: scalePoints(result).map((point) => ({
      key: point.run,
      figures: {
        replicas: point.replicas,
        'delivered/s': point.deliveredPerS,
        'efficiency (%)': point.efficiency === undefined ? undefined : point.efficiency * 100,
        'p99 (ms)': point.p99,
        'predicted/s': point.predictedPerS,
        'bracket passing/s': point.passingPerS,
        'bracket failing/s': point.failingPerS,
      },
    })),
  }),
};
