import type { TopLevelSpec } from 'vega-lite';
import { CHART_HEIGHT_PX, CHART_WIDTH_PX, type ChartSpec, VEGA_LITE_SCHEMA } from './chart-spec.js';
import type { ExperimentResult, RunResult } from './schema.js';

/** A view inside a vconcat, and a layer of a layered view (what these charts are built from). */
type ConcatView = Extract<TopLevelSpec, { vconcat: unknown }>['vconcat'][number];
type LayerView = Extract<TopLevelSpec, { layer: unknown }>['layer'][number];

/** Lab events that are not faults (they mark phases, not something that broke). */
const NOT_FAULTS = new Set(['publishing']);

/** How much time a zoomed panel shows before a fault, and at least after it (ms). */
const ZOOM_BEFORE_MS = 200;
const ZOOM_MIN_AFTER_MS = 1_000;
/** A zoom ends this long after the last client was back, at most ZOOM_MAX_AFTER_MS after the fault. */
const ZOOM_TAIL_MS = 200;
const ZOOM_MAX_AFTER_MS = 15_000;

/** Connected load clients after each client event (step changes, ms resolution). */
export interface ConnectedStep {
  tMs: number;
  connected: number;
}

/**
 * Connected clients over a run from the clients' own events: `clients` at the start, −1 at each
 * disconnect, +1 at each reconnect. Without a client count (older results) the baseline is the
 * deepest dip, so the line never goes below 0.
 */
export function connectedSteps(run: RunResult): ConnectedStep[] {
  if (run.clientEvents.length === 0) return [];
  const deltas = new Map<number, number>();
  for (const event of run.clientEvents) {
    const sign = event.kind === 'disconnect' ? -1 : event.kind === 'reconnect' ? 1 : 0;
    if (sign !== 0) deltas.set(event.tMs, (deltas.get(event.tMs) ?? 0) + sign * event.count);
  }
  const times = [...deltas.keys()].sort((a, b) => a - b);
  let level = 0;
  let lowest = 0;
  const relative = times.map((tMs) => {
    level += deltas.get(tMs) ?? 0;
    lowest = Math.min(lowest, level);
    return { tMs, level };
  });
  const baseline = run.clients ?? -lowest;
  const endMs = Math.max(run.durationMs, times.at(-1) ?? 0);
  return [
    { tMs: 0, connected: baseline },
    ...relative.map((step) => ({ tMs: step.tMs, connected: baseline + step.level })),
    { tMs: endMs, connected: baseline + (relative.at(-1)?.level ?? 0) },
  ];
}

/** The faults of a run (lab events other than phase marks). */
export function faultsOf(run: RunResult): RunResult['events'] {
  return run.events.filter((event) => !NOT_FAULTS.has(event.kind));
}

/** Connected clients over each run, from the clients' ms-resolution events, with the faults as rules. */
export function clientTimelineChart(result: ExperimentResult): ChartSpec | undefined {
  const runs = result.runs.filter((run) => run.clientEvents.length > 0);
  if (runs.length === 0) return undefined;
  const steps = runs.flatMap((run) =>
    connectedSteps(run).map((step) => ({ run: run.label, tS: step.tMs / 1000, connected: step.connected })),
  );
  const faults = runs.flatMap((run) =>
    faultsOf(run).map((event) => ({ run: run.label, tS: event.tMs / 1000, kind: event.kind })),
  );
  return connectedChart(
    'client-timeline.svg',
    'Connected load clients over time, from the clients’ own events (ms resolution; rules: faults)',
    steps,
    faults,
  );
}

/** Connected clients over time, one step line per run, with `rules` (faults, lab actions) as dashed rules. */
export function connectedChart(
  file: string,
  title: string,
  points: { run: string; tS: number; connected: number }[],
  rules: { run: string; tS: number; kind: string }[],
): ChartSpec {
  return {
    file,
    title,
    spec: {
      $schema: VEGA_LITE_SCHEMA,
      width: CHART_WIDTH_PX,
      height: CHART_HEIGHT_PX,
      layer: [
        {
          data: { values: points },
          mark: { type: 'line', interpolate: 'step-after' },
          encoding: {
            x: { field: 'tS', type: 'quantitative', title: 'time (s)' },
            y: { field: 'connected', type: 'quantitative', title: 'connected clients' },
            color: { field: 'run', type: 'nominal', title: 'run' },
          },
        },
        ...(rules.length === 0 ? [] : [faultRules(rules, 'tS')]),
      ],
    },
  };
}

function faultRules(values: object[], field: string): LayerView {
  return {
    data: { values },
    mark: { type: 'rule', strokeDash: [4, 3], color: '#b00020' },
    encoding: { x: { field, type: 'quantitative' }, tooltip: { field: 'kind' } },
  };
}

/** One zoomed panel: a fault of a run and the client events around it. */
function zoomPanel(run: RunResult, fault: RunResult['events'][number]): ConcatView {
  const events = run.clientEvents.filter((event) => event.tMs >= fault.tMs - ZOOM_BEFORE_MS);
  const lastBackMs = Math.max(
    fault.tMs,
    ...events.filter((event) => event.kind !== 'disconnect').map((event) => event.tMs),
  );
  const toMs = Math.min(
    fault.tMs + ZOOM_MAX_AFTER_MS,
    Math.max(fault.tMs + ZOOM_MIN_AFTER_MS, lastBackMs + ZOOM_TAIL_MS),
  );
  const fromMs = Math.max(0, fault.tMs - ZOOM_BEFORE_MS);
  const inWindow = (tMs: number) => tMs >= fromMs && tMs <= toMs;
  // ms after the fault on the x axis: what a reader quotes ("back within 120 ms")
  const at = (tMs: number) => tMs - fault.tMs;
  const steps = connectedSteps(run);
  const before = [...steps].reverse().find((step) => step.tMs <= fromMs);
  const line = [
    ...(before ? [{ ...before, tMs: fromMs }] : []),
    ...steps.filter((step) => inWindow(step.tMs) && step.tMs > fromMs),
  ];
  const last = line.at(-1);
  if (last) line.push({ tMs: toMs, connected: last.connected });
  const domain = [at(fromMs), at(toMs)];
  return {
    title: `${run.label}: ${fault.kind} at ${(fault.tMs / 1000).toFixed(2)} s`,
    width: CHART_WIDTH_PX,
    height: 150,
    layer: [
      {
        data: { values: line.map((step) => ({ ms: at(step.tMs), connected: step.connected })) },
        mark: { type: 'line', interpolate: 'step-after', color: '#333' },
        encoding: {
          x: { field: 'ms', type: 'quantitative', title: 'ms after the fault', scale: { domain } },
          y: { field: 'connected', type: 'quantitative', title: 'connected' },
        },
      },
      {
        data: {
          values: events
            .filter((event) => event.kind !== 'disconnect' && inWindow(event.tMs))
            .map((event) => ({ ms: at(event.tMs), kind: event.kind, count: event.count })),
        },
        mark: { type: 'tick', thickness: 1.5 },
        encoding: {
          x: { field: 'ms', type: 'quantitative', scale: { domain } },
          color: {
            field: 'kind',
            type: 'nominal',
            title: 'client event',
            scale: {
              domain: ['reconnect', 'resume', 'first-message'],
              range: ['#1f77b4', '#2ca02c', '#ff7f0e'],
            },
          },
          tooltip: [{ field: 'kind' }, { field: 'ms' }, { field: 'count' }],
        },
      },
      {
        data: { values: [{ ms: 0, kind: fault.kind }] },
        mark: { type: 'rule', strokeDash: [4, 3], color: '#b00020' },
        encoding: { x: { field: 'ms', type: 'quantitative', scale: { domain } }, tooltip: { field: 'kind' } },
      },
    ],
  };
}

/** A zoomed panel around each fault of each run: the dip, and each client event after it. */
export function faultZoomChart(result: ExperimentResult): ChartSpec | undefined {
  const panels = result.runs.flatMap((run) =>
    run.clientEvents.length === 0 ? [] : faultsOf(run).map((fault) => zoomPanel(run, fault)),
  );
  if (panels.length === 0) return undefined;
  return {
    file: 'fault-zoom.svg',
    title: 'Around each fault: connected clients and the clients’ reconnect, resume and first message after',
    spec: { $schema: VEGA_LITE_SCHEMA, vconcat: panels },
  };
}
