import type { TopLevelSpec } from 'vega-lite';
import {
  type ChartSpec,
  CHART_HEIGHT_PX as HEIGHT,
  VEGA_LITE_SCHEMA as SCHEMA,
  CHART_WIDTH_PX as WIDTH,
} from './chart-spec.js';
import { latencyPercentileChart } from './percentiles.js';
import type { ExperimentResult } from './schema.js';
import { clientTimelineChart, connectedChart, faultZoomChart } from './timeline.js';

export type { ChartSpec } from './chart-spec.js';

/** A single-view (one mark, no layers or facets) top-level spec. */
type SingleViewSpec = Extract<TopLevelSpec, { mark: unknown }>;

/** A single-view chart at the report's standard size. */
function singleViewChart(
  file: string,
  title: string,
  values: object[],
  mark: SingleViewSpec['mark'],
  encoding: SingleViewSpec['encoding'],
): ChartSpec {
  return {
    file,
    title,
    spec: { $schema: SCHEMA, width: WIDTH, height: HEIGHT, data: { values }, mark, encoding },
  };
}

/** A CDF, one step line per run: `values` carry `run` and `fraction` (0..1) and the field `x` names. */
function cdfChart(
  file: string,
  title: string,
  values: object[],
  x: NonNullable<SingleViewSpec['encoding']>['x'],
  fractionTitle: string,
): ChartSpec {
  return singleViewChart(
    file,
    title,
    values,
    { type: 'line', interpolate: 'step-after' },
    {
      x,
      y: { field: 'fraction', type: 'quantitative', title: fractionTitle, scale: { domain: [0, 1] } },
      color: { field: 'run', type: 'nominal', title: 'run' },
    },
  );
}

/**
 * Connected clients over time as the connections poller saw them, with the faults as vertical
 * rules: only for results without the clients' own events (a poll every 500 ms misses a dip that
 * is over in 100 ms; `clientTimelineChart` does not).
 */
function reconnectTimelineChart(result: ExperimentResult): ChartSpec | undefined {
  if (result.runs.some((run) => run.clientEvents.length > 0)) return undefined;
  const points = result.runs.flatMap((run) =>
    run.connectedTimeline.map((point) => ({
      run: run.label,
      tS: point.tMs / 1000,
      connected: point.connected,
    })),
  );
  if (points.length === 0) return undefined;
  const events = result.runs.flatMap((run) =>
    run.events.map((event) => ({ run: run.label, tS: event.tMs / 1000, kind: event.kind })),
  );
  return connectedChart(
    'reconnect-timeline.svg',
    'Connected clients over time, polled every 500 ms (rules: faults and lab actions)',
    points,
    events,
  );
}

/** Open connections per replica over time, one panel per run: spread and where reconnects land. */
function connectionsPerReplicaChart(result: ExperimentResult): ChartSpec | undefined {
  const values = result.runs.flatMap((run) =>
    run.connectionsPerReplica.map((point) => ({ run: run.label, tS: point.tMs / 1000, ...point })),
  );
  if (values.length === 0) return undefined;
  const runCount = new Set(values.map((value) => value.run)).size;
  return {
    file: 'connections-per-replica.svg',
    title: 'Open connections per replica over time',
    spec: {
      $schema: SCHEMA,
      data: { values },
      facet: { row: { field: 'run', type: 'nominal', title: null } },
      spec: {
        width: WIDTH,
        height: runCount > 2 ? 110 : 160,
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x: { field: 'tS', type: 'quantitative', title: 'time (s)' },
          y: { field: 'connections', type: 'quantitative', title: 'connections' },
          color: { field: 'replica', type: 'nominal', title: 'replica' },
        },
      },
    },
  };
}

/** Delivered/s against replica count (one line per offered load when there are several). */
function throughputVsReplicasChart(result: ExperimentResult): ChartSpec | undefined {
  const values = result.runs
    .filter((run) => typeof run.parameters.replicas === 'number' && run.deliveredPerS !== undefined)
    .map((run) => ({
      replicas: run.parameters.replicas as number,
      deliveredPerS: run.deliveredPerS as number,
      load: String(run.parameters.load ?? 'all'),
    }));
  if (new Set(values.map((value) => value.replicas)).size < 2) return undefined;
  return singleViewChart(
    'throughput-vs-replicas.svg',
    'Delivered messages per second against replicas',
    values,
    { type: 'line', point: true },
    {
      x: { field: 'replicas', type: 'quantitative', title: 'replicas', axis: { tickMinStep: 1 } },
      y: { field: 'deliveredPerS', type: 'quantitative', title: 'delivered / s' },
      color: { field: 'load', type: 'nominal', title: 'offered load' },
    },
  );
}

/** CPU seconds per component and run: where the time went. */
function cpuChart(result: ExperimentResult): ChartSpec | undefined {
  const values = result.runs.flatMap((run) =>
    run.resources.map((usage) => ({
      run: run.label,
      component: usage.component,
      cpuSeconds: usage.cpuSeconds,
    })),
  );
  if (values.length === 0) return undefined;
  return singleViewChart('cpu-per-component.svg', 'CPU seconds per component (from /proc)', values, 'bar', {
    x: { field: 'component', type: 'nominal', title: 'component', axis: { labelAngle: -30 } },
    xOffset: { field: 'run', type: 'nominal' },
    y: { field: 'cpuSeconds', type: 'quantitative', title: 'CPU (s)' },
    color: { field: 'run', type: 'nominal', title: 'run' },
  });
}

/** Reconnect time CDF per run (from losing the socket to being back in the room). */
function reconnectCdfChart(result: ExperimentResult): ChartSpec | undefined {
  const values = result.runs.flatMap((run) => {
    const sorted = [...run.reconnectMs].sort((a, b) => a - b);
    return sorted.map((ms, index) => ({ run: run.label, ms, fraction: (index + 1) / sorted.length }));
  });
  if (values.length === 0) return undefined;
  return cdfChart(
    'reconnect-cdf.svg',
    'Reconnect time CDF per run',
    values,
    { field: 'ms', type: 'quantitative', title: 'reconnect time (ms)' },
    'fraction of clients',
  );
}

/** Every detail chart the result has data for, in report order (the headline chart comes before them). */
export function chartsFor(result: ExperimentResult): ChartSpec[] {
  return [
    latencyPercentileChart(result),
    throughputVsReplicasChart(result),
    clientTimelineChart(result),
    faultZoomChart(result),
    reconnectTimelineChart(result),
    reconnectCdfChart(result),
    connectionsPerReplicaChart(result),
    cpuChart(result),
  ].filter((chart): chart is ChartSpec => chart !== undefined);
}
