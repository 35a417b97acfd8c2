/**
 * The versioned JSON result of a run: parameters, environment, every metric with its unit,
 * a timeline, every outage, threshold outcomes. The zod schema is the contract (tests validate
 * every result against it); the TypeScript types are inferred from it.
 */
import { z } from 'zod';

export const RESULT_SCHEMA_ID = 'wslab.loadtest.result';
export const RESULT_VERSION = 1;

const unit = z.enum(['ms', 'count', 'msg/s', 'bytes', 'bytes/connection', 'cores', '1', 'conn/s']);

export const scalarMetricSchema = z.object({
  kind: z.enum(['counter', 'gauge', 'rate']),
  unit,
  /** null when it could not be measured (for example no server pid or /metrics given). */
  value: z.number().nullable(),
  description: z.string(),
});

export const distributionMetricSchema = z.object({
  kind: z.literal('distribution'),
  unit: z.literal('ms'),
  description: z.string(),
  count: z.number().int().nonnegative(),
  min: z.number(),
  mean: z.number(),
  p50: z.number(),
  p90: z.number(),
  p95: z.number(),
  p99: z.number(),
  p999: z.number(),
  max: z.number(),
  /** The full distribution at PLOT_PERCENTILES (p50 … p99.99, max), for percentile plots. */
  percentiles: z.array(z.object({ percentile: z.number().min(0).max(100), ms: z.number() })).optional(),
});

export const metricSchema = z.discriminatedUnion('kind', [scalarMetricSchema, distributionMetricSchema]);

export const outageSchema = z.object({
  role: z.enum(['publisher', 'subscriber', 'idle']),
  client: z.number().int(),
  downAtMs: z.number(),
  closeCode: z.number().int(),
  attempts: z.number().int(),
  reopenedAtMs: z.number().nullable(),
  rejoinedAtMs: z.number().nullable(),
  firstMessageAtMs: z.number().nullable(),
  url: z.string().nullable(),
  /** Replica (`hello.instance`) of the lost connection; absent in results written before it was recorded. */
  replicaBefore: z.string().nullable().optional(),
  /** Replica the client came back on (null: never back, or no hello seen). */
  replica: z.string().nullable().optional(),
});

export const thresholdOutcomeSchema = z.object({
  metric: z.string(),
  stat: z.enum(['value', 'p50', 'p95', 'p99', 'max', 'mean']),
  op: z.enum(['<', '<=', '>', '>=', '==']),
  value: z.number(),
  actual: z.number().nullable(),
  ok: z.boolean(),
});

export const timelinePointSchema = z.object({
  /** Start of the interval, ms from the start of publishing. */
  tMs: z.number(),
  delivered: z.number().int().nonnegative(),
  deliveredPerS: z.number(),
  latencyP50Ms: z.number().nullable(),
  latencyP99Ms: z.number().nullable(),
  serverRssBytes: z.number().nullable(),
});

const lagFiguresSchema = z.object({
  count: z.number().int().nonnegative(),
  /** null when nothing was scheduled. */
  p99Ms: z.number().nullable(),
  maxMs: z.number().nullable(),
});

/**
 * Whether the run measured what it claims. `valid` is false when the load generator fell behind
 * its own send schedule by more than the bound (p99 of actual − intended, any shard); `reasons`
 * says why in words. `schedulingLag` is null for scenarios without a send schedule.
 */
export const runValiditySchema = z.object({
  valid: z.boolean(),
  reasons: z.array(z.string()),
  schedulingLag: lagFiguresSchema
    .extend({
      boundP99Ms: z.number().positive(),
      shards: z.array(lagFiguresSchema.extend({ shard: z.number().int().nonnegative() })),
    })
    .nullable(),
});

export const scenarioResultSchema = z.object({
  schema: z.literal(RESULT_SCHEMA_ID),
  version: z.literal(RESULT_VERSION),
  scenario: z.enum(['fanout', 'connect_ramp', 'failover', 'soak']),
  runId: z.string(),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
  wallMs: z.number().nonnegative(),
  parameters: z.record(z.string(), z.union([z.number(), z.boolean(), z.string()])),
  target: z.object({
    label: z.string().nullable(),
    urls: z.array(z.string()).min(1),
    serverPids: z.array(z.number().int()),
    metricsUrls: z.array(z.string()),
  }),
  /** How the clients connected: cookie jars on, source addresses bound (empty: the OS chose). */
  clients: z.object({ cookies: z.boolean(), sourceAddresses: z.array(z.string()) }).optional(),
  environment: z.object({
    node: z.string(),
    platform: z.string(),
    arch: z.string(),
    cpus: z.number().int(),
    cpuModel: z.string(),
    totalMemoryBytes: z.number(),
    hostname: z.string(),
    /** 1, 5 and 15 minute load averages when the run ended: a busy shared machine shows here. */
    loadAverage: z.array(z.number()).length(3),
    shards: z.number().int().positive(),
    shardMode: z.enum(['inline', 'process']),
    /** Shard 0 held every publisher and no subscriber (absent in results written before it existed). */
    publisherShard: z.boolean().optional(),
  }),
  metrics: z.record(z.string(), metricSchema),
  timeline: z.array(timelinePointSchema),
  outages: z.object({ total: z.number().int(), truncated: z.number().int(), records: z.array(outageSchema) }),
  thresholds: z.array(thresholdOutcomeSchema),
  /** Thresholds only; read together with `validity` (absent in results written before it existed). */
  passed: z.boolean(),
  validity: runValiditySchema.optional(),
  /** Seed of the Poisson arrival gaps (streaming scenarios), to repeat a run's schedule. */
  arrivalSeed: z.number().int().optional(),
});

export type ScalarMetric = z.infer<typeof scalarMetricSchema>;
export type DistributionMetric = z.infer<typeof distributionMetricSchema>;
export type Metric = z.infer<typeof metricSchema>;
export type TimelinePoint = z.infer<typeof timelinePointSchema>;
export type RunValidity = z.infer<typeof runValiditySchema>;
/** The result of one run (version 1). */
export type ScenarioResult = z.infer<typeof scenarioResultSchema>;
