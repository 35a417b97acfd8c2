import { z } from 'zod';
import { COMPONENT_KINDS } from '../../observe/samples.js';
import { capacitySchema } from './capacity-schema.js';

/**
 * result.json: every raw figure an experiment collected, with its parameters
 * and the machine it ran on. report.md, the SVG charts and index.html are all
 * made from this file alone, so `wslab report <dir>` can redo them later.
 */
export const RESULT_SCHEMA_VERSION = 1;

const finite = z.number().finite();
const nonNegative = finite.min(0);

/** Latency summary in milliseconds. */
export const latencySummarySchema = z.object({
  count: z.number().int().min(0),
  mean: nonNegative,
  p50: nonNegative,
  p95: nonNegative,
  p99: nonNegative,
  max: nonNegative,
});

/** One point of an empirical CDF: `fraction` of samples were at most `latencyMs`. */
export const cdfPointSchema = z.object({ latencyMs: nonNegative, fraction: finite.min(0).max(1) });

/** One point of a percentile plot: `percentile` % of deliveries took at most `latencyMs` (100: the max). */
export const percentilePointSchema = z.object({ percentile: finite.min(0).max(100), latencyMs: nonNegative });

/**
 * What a load client saw during an outage, at millisecond resolution: its socket closed
 * (`disconnect`), a new one opened (`reconnect`), every room re-joined with `since` (`resume`),
 * the first message after that (`first-message`).
 */
export const CLIENT_EVENT_KINDS = ['disconnect', 'reconnect', 'resume', 'first-message'] as const;

/** `count` clients had a `kind` event in the millisecond starting at `tMs` (ms from the run's start). */
export const clientEventSchema = z.object({
  tMs: nonNegative,
  kind: z.enum(CLIENT_EVENT_KINDS),
  count: z.number().int().positive(),
});

/** Message accounting over a run (counted by the load clients). */
export const messageCountsSchema = z.object({
  published: z.number().int().min(0),
  /** Deliveries the subscribers should have seen (published × members of the room). */
  expected: z.number().int().min(0),
  delivered: z.number().int().min(0),
  lost: z.number().int().min(0),
  duplicated: z.number().int().min(0),
  /** Deliveries that arrived through history replay after a reconnect. */
  recovered: z.number().int().min(0).default(0),
});

/** Something the lab did or saw at a moment of the run (a fault, a reload, recovery). */
export const runEventSchema = z.object({
  tMs: nonNegative,
  kind: z.string().min(1),
  detail: z.string().default(''),
});

/** Clients connected at a moment of the run (for the reconnect timeline). */
export const connectedPointSchema = z.object({ tMs: nonNegative, connected: z.number().int().min(0) });

/** Open connections of one replica at a moment of the run. */
export const replicaConnectionsPointSchema = z.object({
  tMs: nonNegative,
  replica: z.string().min(1),
  connections: z.number().int().min(0),
});

/** One /proc sample of a component (observe/samples.ts ResourceSample). */
export const resourceSampleSchema = z.object({
  tMs: nonNegative,
  cpuPercent: nonNegative,
  rssBytes: z.number().int().min(0),
});

/** CPU and memory of one process of the topology (or the load generator) over a run (observe/samples.ts ComponentUsage). */
export const componentUsageSchema = z.object({
  component: z.string().min(1),
  kind: z.enum(COMPONENT_KINDS),
  pid: z.number().int().positive(),
  /** utime + stime consumed during the run, in seconds. */
  cpuSeconds: nonNegative,
  cpuPercentMean: nonNegative,
  cpuPercentMax: nonNegative,
  rssMaxBytes: z.number().int().min(0),
  samples: z.array(resourceSampleSchema).default([]),
});

/**
 * Whether the load generator kept its send schedule during a run (loadtests' `validity`): an
 * invalid run's latency includes the runner's own delay, and the report says so.
 */
export const runValiditySchema = z.object({
  valid: z.boolean(),
  reasons: z.array(z.string()).default([]),
  /** Scheduling lag (actual − intended send time) of the load generator, ms. */
  schedulingLagP99Ms: nonNegative.nullable().default(null),
  schedulingLagMaxMs: nonNegative.nullable().default(null),
  /** The p99 bound the run was judged against, ms. */
  boundP99Ms: finite.positive().nullable().default(null),
});

const parameterValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** One configuration measured within an experiment (one proxy, one replica count, one stickiness mode…). */
export const runResultSchema = z.object({
  label: z.string().min(1),
  /** The knobs of this run (proxy, replicas, stickiness, offered load…). */
  parameters: z.record(z.string(), parameterValue).default({}),
  durationMs: nonNegative.default(0),
  latencyMs: latencySummarySchema.optional(),
  /** Older results only (a CDF through six quantiles); newer ones carry `latencyPercentiles`. */
  latencyCdf: z.array(cdfPointSchema).default([]),
  /** Latency from the full HDR distribution at p50 … p99.99 and the max. */
  latencyPercentiles: z.array(percentilePointSchema).default([]),
  publishedPerS: nonNegative.optional(),
  deliveredPerS: nonNegative.optional(),
  messages: messageCountsSchema.optional(),
  /** Per-client time from losing the connection to being back in every room, ms. */
  reconnectMs: z.array(nonNegative).default([]),
  connectedTimeline: z.array(connectedPointSchema).default([]),
  /** Load clients in the run (publishers + subscribers): the baseline of the client-event timeline. */
  clients: z.number().int().min(0).optional(),
  /** The load clients' outage events, counted per millisecond (the timeline between two polls). */
  clientEvents: z.array(clientEventSchema).default([]),
  connectionsPerReplica: z.array(replicaConnectionsPointSchema).default([]),
  events: z.array(runEventSchema).default([]),
  /** Experiment-specific figures (time until publishing resumed, Redis publishes/s…), named with units. */
  metrics: z.record(z.string(), finite).default({}),
  resources: z.array(componentUsageSchema).default([]),
  /** Absent for runs without a load schedule (and in results written before it was recorded). */
  validity: runValiditySchema.optional(),
});

export const machineSchema = z.object({
  hostname: z.string(),
  platform: z.string(),
  release: z.string(),
  arch: z.string(),
  cpuModel: z.string(),
  cpus: z.number().int().positive(),
  totalMemoryBytes: z.number().int().min(0),
  node: z.string(),
  /** Versions of redis-server / haproxy / nginx when known. */
  tools: z.record(z.string(), z.string()).default({}),
});

export const experimentResultSchema = z.object({
  schemaVersion: z.literal(RESULT_SCHEMA_VERSION),
  experiment: z.string().min(1),
  mode: z.enum(['short', 'full']),
  title: z.string().min(1),
  /** The question the experiment answers, in one sentence. */
  question: z.string().default(''),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
  durationMs: nonNegative,
  machine: machineSchema,
  parameters: z.record(z.string(), parameterValue).default({}),
  runs: z.array(runResultSchema).min(1),
  /**
   * Components whose process changed during the experiment without the experiment asking (a crash
   * or a restart), from their pids before and after: the checkers judge them.
   */
  restarted: z.array(z.string()).default([]),
  /** Caveats (this machine, short mode…). */
  notes: z.array(z.string()).default([]),
  /** Scale only: unit costs, per-replica-count maxima and the model check (lab/capacity/). */
  capacity: capacitySchema.optional(),
});

export type LatencySummary = z.infer<typeof latencySummarySchema>;
export type CdfPoint = z.infer<typeof cdfPointSchema>;
export type PercentilePoint = z.infer<typeof percentilePointSchema>;
export type ClientEventKind = (typeof CLIENT_EVENT_KINDS)[number];
export type ClientEvent = z.infer<typeof clientEventSchema>;
export type MessageCounts = z.infer<typeof messageCountsSchema>;
export type RunEvent = z.infer<typeof runEventSchema>;
export type ComponentUsage = z.infer<typeof componentUsageSchema>;
export type { ComponentKind } from '../../observe/samples.js';
export type ResourceSample = z.infer<typeof resourceSampleSchema>;
export type RunResult = z.infer<typeof runResultSchema>;
export type RunValidity = z.infer<typeof runValiditySchema>;
/** What experiments build (defaults may be left out). */
export type RunResultInput = z.input<typeof runResultSchema>;
export type Machine = z.infer<typeof machineSchema>;
export type ExperimentResult = z.infer<typeof experimentResultSchema>;
export type ExperimentResultInput = z.input<typeof experimentResultSchema>;

/** Validates a parsed result.json; throws a ZodError listing every bad field. */
export function parseResult(value: unknown): ExperimentResult {
  return experimentResultSchema.parse(value);
}
