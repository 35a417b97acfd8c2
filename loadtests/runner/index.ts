/**
 * The programmatic API of the load runner:
 *
 * ```ts
 * const result = await runScenario('fanout', { subscribers: 500 }, { url: 'ws://127.0.0.1:8080/ws' });
 * if (!result.passed) …
 * ```
 *
 * Parameters not given take the scenario's defaults (loadtests/scenarios/); the result is the
 * versioned JSON described by `scenarioResultSchema`.
 */
import type { ConnectRampParams } from '../scenarios/connect_ramp.js';
import type { ScenarioName, StreamParams } from '../scenarios/definition.js';
import { SCENARIOS } from '../scenarios/index.js';
import { evaluateThresholds } from '../scenarios/thresholds.js';
import { describeEnvironment } from './environment.js';
import { readStat } from './metric-values.js';
import type { RunOptions, Target } from './options.js';
import { runRamp } from './ramp-run.js';
import { RESULT_SCHEMA_ID, RESULT_VERSION, type ScenarioResult } from './result.js';
import { runStream } from './stream-run.js';
import { NOT_SCHEDULED } from './validity.js';

/** Parameters of each scenario. */
export interface ScenarioParams {
  fanout: StreamParams;
  failover: StreamParams;
  soak: StreamParams;
  connect_ramp: ConnectRampParams;
}

/** Outages kept in the result (all are counted; the list is capped to keep files readable). */
const MAX_OUTAGE_RECORDS = 20_000;

/** Merges `params` over the scenario's defaults, rejecting unknown parameter names. */
export function resolveParams<N extends ScenarioName>(
  name: N,
  params: Partial<ScenarioParams[N]>,
): ScenarioParams[N] {
  const defaults = SCENARIOS[name].defaults as ScenarioParams[N];
  for (const key of Object.keys(params)) {
    if (!(key in defaults)) throw new Error(`${name}: unknown parameter '${key}'`);
  }
  const merged: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(params)) if (value !== undefined) merged[key] = value;
  return merged as unknown as ScenarioParams[N];
}

/** Runs one scenario against `target` and returns its result (thresholds evaluated, `passed` set). */
export async function runScenario<N extends ScenarioName>(
  name: N,
  params: Partial<ScenarioParams[N]>,
  target: Target,
  options: RunOptions = {},
): Promise<ScenarioResult> {
  const definition = SCENARIOS[name];
  if (!definition) throw new Error(`unknown scenario '${name}'`);
  const resolved = resolveParams(name, params);
  const raw =
    name === 'connect_ramp'
      ? await runRamp(resolved as ConnectRampParams, target, options)
      : await runStream(SCENARIOS[name as 'fanout'], resolved as StreamParams, target, options);
  const thresholds = evaluateThresholds(options.thresholds ?? definition.thresholds, (metric, stat) =>
    readStat(raw.metrics, metric, stat),
  );
  const finishedAtMs = Date.now();
  return {
    schema: RESULT_SCHEMA_ID,
    version: RESULT_VERSION,
    scenario: name,
    runId: raw.runId,
    startedAt: new Date(raw.startedAtMs).toISOString(),
    finishedAt: new Date(finishedAtMs).toISOString(),
    wallMs: finishedAtMs - raw.startedAtMs,
    parameters: { ...resolved },
    target: {
      label: target.label ?? null,
      urls: raw.urls,
      serverPids: [...(target.serverPids ?? [])],
      metricsUrls: [...(target.metricsUrls ?? [])],
    },
    clients: { cookies: raw.clients.cookies, sourceAddresses: [...raw.clients.sourceAddresses] },
    environment: describeEnvironment(raw.shards, raw.inline, raw.publisherShard),
    metrics: raw.metrics,
    timeline: raw.timeline,
    outages: {
      total: raw.outages.length,
      truncated: Math.max(0, raw.outages.length - MAX_OUTAGE_RECORDS),
      records: raw.outages.slice(0, MAX_OUTAGE_RECORDS),
    },
    thresholds,
    passed: thresholds.every((t) => t.ok),
    validity: raw.validity ?? NOT_SCHEDULED,
    ...(raw.arrivalSeed === undefined ? {} : { arrivalSeed: raw.arrivalSeed }),
  };
}

export type { ScenarioName } from '../scenarios/definition.js';
export { SCENARIO_NAMES, SCENARIOS } from '../scenarios/index.js';
export type { Threshold, ThresholdOutcome } from '../scenarios/thresholds.js';
export { evaluateThresholds, formatThreshold } from '../scenarios/thresholds.js';
export type { RunHooks, RunOptions, Target } from './options.js';
export type { Metric, RunValidity, ScenarioResult } from './result.js';
export { scenarioResultSchema } from './result.js';
export type { SourceAddresses } from './source-addresses.js';
export { SOURCE_ADDRESSES_ERROR } from './source-addresses.js';
export { exitCodeOf, formatSummary } from './summary.js';
