/**
 * The capacity section of a scale report's result.json: the measured unit costs `wslab plan`
 * builds on, each replica count's maximum sustainable rate, and the model's held-out check.
 */
import { z } from 'zod';

const finite = z.number().finite();
const nonNegative = finite.min(0);

export const LIMITING_COMPONENTS = [
  'replica',
  'redis',
  'proxy',
  'load generator',
  'machine',
  'none',
] as const;
export type LimitingComponent = (typeof LIMITING_COMPONENTS)[number];

/** CPU use of each component during one step's publishing window, as a fraction of its limit. */
export const utilizationSchema = z.object({
  /** The busiest replica's CPU / its cap. */
  replica: nonNegative,
  /** Redis's CPU / one core (its command loop is one thread) or its cap. */
  redis: nonNegative,
  /** The proxy's CPU / its workers (one thread each) or its cap. */
  proxy: nonNegative,
  /** The load generator's CPU / the machine's cores. */
  load: nonNegative,
  /** The whole machine's busy share (every process, /proc/stat), or the lab's processes when unknown. */
  machine: nonNegative,
  /** Busy share of the machine taken by processes outside the topology and the load generator. */
  others: nonNegative,
});

/** One offered-load step of the search for one replica count. */
export const loadStepSchema = z.object({
  replicas: z.number().int().positive(),
  offeredDeliveriesPerS: nonNegative,
  deliveredPerS: nonNegative,
  publishedPerS: nonNegative,
  p99Ms: nonNegative.nullable(),
  lost: z.number().int().min(0),
  /** The load generator kept its schedule (loadtests/runner/validity.ts). */
  valid: z.boolean(),
  sustainable: z.boolean(),
  /** Why the step is not sustainable (empty when it is). */
  failures: z.array(z.string()),
  utilization: utilizationSchema,
  limiting: z.enum(LIMITING_COMPONENTS),
  /** CPU seconds in the publishing window, per component kind (for the unit costs). */
  cpuSeconds: z.object({ replica: nonNegative, redis: nonNegative, proxy: nonNegative, load: nonNegative }),
  windowS: nonNegative,
  /** CFS throttling of the capped replicas over the step (cpu.stat deltas, summed over replicas). */
  throttle: z
    .object({ periods: nonNegative, throttledPeriods: nonNegative, throttledS: nonNegative })
    .optional(),
  /** A failed step measured again (it counts as the repeat says); absent on the step that counts. */
  repeated: z.boolean().optional(),
  /** The CFS period the replicas' quota was counted in during the step, µs. */
  cpuPeriodUs: z.number().int().positive().optional(),
});

export const replicaCountResultSchema = z.object({
  replicas: z.number().int().positive(),
  /** Highest delivered rate of a sustainable step (0 when none was). */
  maxSustainedDeliveriesPerS: nonNegative,
  /** throughput(N) / (N × throughput(1)). */
  efficiency: nonNegative.nullable(),
  /** What stopped the next step up (the first unsustainable one), or the best step's busiest part. */
  limiting: z.enum(LIMITING_COMPONENTS),
  /** The model's prediction, fitted on other replica counts only (absent where not predicted). */
  predictedDeliveriesPerS: nonNegative.optional(),
  /**
   * Offered rates of the highest passing and the lowest failing step (after its repeat): the knee
   * is between them. `failingPerS` null: no step failed within the offered range ("≥ X, not
   * bracketed"); null: no step passed.
   */
  bracket: z.object({ passingPerS: nonNegative, failingPerS: nonNegative.nullable() }).nullable().optional(),
  /** The load generator's CPU / the replicas' CPU at the passing step: its cost per delivery relative to theirs. */
  loadToReplicaCpu: nonNegative.nullable().optional(),
  /** Throttled CFS periods / periods of the replicas at the passing step (null: uncapped or unread). */
  throttledShare: nonNegative.nullable().optional(),
  /** Why this count has no efficiency, fit or verdict ("machine-bound: not measured", "not bracketed"). */
  notMeasured: z.string().optional(),
});

/**
 * Measured unit costs. CPU of a replica = deliveries × per-delivery cost + receipts (one
 * publish arriving at one subscribed replica) × per-receipt cost; Redis = publishes × per-publish
 * cost + receipts × per-receipt cost; proxy = deliveries × per-delivery cost.
 */
export const unitCostsSchema = z.object({
  /** Subscribers per room in the runs the costs come from. */
  fanout: finite.positive(),
  replicaCpuMsPer1kDeliveries: nonNegative,
  replicaCpuMsPer1kReceipts: nonNegative,
  redisCpuUsPerPublish: nonNegative,
  redisCpuUsPerReceipt: nonNegative,
  proxyCpuMsPer1kDeliveries: nonNegative,
  loadCpuMsPer1kDeliveries: nonNegative,
  /** Fraction of the model's CPU-bound capacity that stayed sustainable (p99 and loss bounds). */
  sustainableFraction: finite.positive(),
  /** From the idle-connection ramp (absent when it did not run). */
  replicaMemoryKiBPerConnection: nonNegative.optional(),
  replicaBaseMemoryMiB: nonNegative.optional(),
  proxyCpuMsPerConnection: nonNegative.optional(),
  proxyMemoryKiBPerConnection: nonNegative.optional(),
});
export type UnitCosts = z.infer<typeof unitCostsSchema>;

/** The CPU each component may use in the runs (what the model divides by). */
export const capacityLimitsSchema = z.object({
  replicaCpuCores: finite.positive(),
  redisCpuCores: finite.positive(),
  proxyCpuCores: finite.positive(),
  machineCores: finite.positive(),
});
export type CapacityLimits = z.infer<typeof capacityLimitsSchema>;

export const idleConnectionsSchema = z.object({
  replicaMemoryMiB: z.number().int().positive(),
  /** Connections open when the ramp ended. */
  held: z.number().int().min(0),
  /** How the ramp ended: refused, killed (OOM, with the lab's reason), or the fd budget reached. */
  ended: z.enum(['refused', 'killed', 'budget reached']),
  detail: z.string(),
  points: z.array(z.object({ connections: z.number().int().min(0), memoryMiB: nonNegative })),
});

export const capacitySchema = z.object({
  /** False when no cgroup was usable: every figure is uncapped. */
  capped: z.boolean(),
  limits: capacityLimitsSchema,
  boundP99Ms: finite.positive(),
  steps: z.array(loadStepSchema),
  perReplicaCount: z.array(replicaCountResultSchema),
  unitCosts: unitCostsSchema.optional(),
  /** The model fitted on `fittedOn` replica counts, checked on one it has not seen. */
  heldOut: z
    .object({
      fittedOn: z.array(z.number().int().positive()),
      replicas: z.number().int().positive(),
      predictedDeliveriesPerS: nonNegative,
      measuredDeliveriesPerS: nonNegative,
      errorPercent: finite,
    })
    .optional(),
  idleConnections: idleConnectionsSchema.optional(),
  /** The model checked on the held-out count (lab/capacity/model-checks.ts): what `wslab plan` quotes. */
  modelChecks: z.array(z.object({ name: z.string(), passed: z.boolean(), detail: z.string() })).optional(),
  /** The one-replica maximum of each of its two searches (the baseline every efficiency divides by). */
  baselineRunsPerS: z.array(nonNegative).optional(),
  /**
   * The budget measured before the curve: CPU-ms per 1000 deliveries of each component (the
   * slope between two calibration steps, the heavier at `calibrationOfferedPerS`), the cap it chose per replica, and the counts it left out (machine-bound).
   */
  budget: z
    .object({
      calibrationOfferedPerS: nonNegative,
      cpuMsPer1kDeliveries: z.object({
        replica: nonNegative,
        redis: nonNegative,
        proxy: nonNegative,
        load: nonNegative,
      }),
      /** Cores each component used regardless of load (the calibration line's intercept). */
      fixedCores: z
        .object({ replica: nonNegative, redis: nonNegative, proxy: nonNegative, load: nonNegative })
        .optional(),
      machineShare: finite.positive(),
      /** The cap first chosen, when the budget at the one-replica knee lowered it (that search set aside). */
      recalibratedFromCores: finite.positive().optional(),
      replicaCpuCores: finite.positive(),
      machineBound: z.array(z.number().int().positive()),
    })
    .optional(),
  /** p99 at one quota in two CFS periods: what a shorter period does to a capped replica's latency. */
  cfsPeriods: z
    .array(
      z.object({
        periodUs: z.number().int().positive(),
        replicas: z.number().int().positive(),
        offeredDeliveriesPerS: nonNegative,
        p99Ms: nonNegative.nullable(),
        throttledShare: nonNegative.nullable(),
        throttledS: nonNegative,
      }),
    )
    .optional(),
});
export type Capacity = z.infer<typeof capacitySchema>;
export type LoadStep = z.infer<typeof loadStepSchema>;
