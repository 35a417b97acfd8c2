/**
 * The capacity model: CPU per component as a linear function of deliveries, publishes and
 * receipts (a publish arriving at one subscribed replica), with coefficients fitted from the
 * scale experiment's steps. It predicts the max sustainable rate of a replica count it has not
 * seen, and sizes a deployment for a given load (`wslab plan`).
 */
import type { CapacityLimits, LimitingComponent, LoadStep, UnitCosts } from '../report/capacity-schema.js';

/**
 * Replicas that receive one publish: each replica holding at least one of the room's `fanout`
 * members, with members placed on replicas at random (the proxy's round-robin or hash):
 * N × (1 − (1 − 1/N)^fanout). About N for fanout ≫ N, about fanout for N ≫ fanout.
 */
export function receiptsPerPublish(replicas: number, fanout: number): number {
  if (replicas <= 1) return 1;
  return replicas * (1 - (1 - 1 / replicas) ** fanout);
}

/**
 * Least squares y ≈ a·x1 + b·x2 with a, b ≥ 0 (through the origin: no load, no CPU). A negative
 * coefficient (noise, or x2 nearly proportional to x1) is set to 0 and the other refitted.
 */
export function fitTwoTerms(points: ReadonlyArray<{ x1: number; x2: number; y: number }>): [number, number] {
  let s11 = 0;
  let s22 = 0;
  let s12 = 0;
  let s1y = 0;
  let s2y = 0;
  for (const { x1, x2, y } of points) {
    s11 += x1 * x1;
    s22 += x2 * x2;
    s12 += x1 * x2;
    s1y += x1 * y;
    s2y += x2 * y;
  }
  const one = (sxy: number, sxx: number) => (sxx > 0 ? Math.max(0, sxy / sxx) : 0);
  const det = s11 * s22 - s12 * s12;
  // nearly collinear (relative determinant ~0): the two terms cannot be told apart
  if (!(Math.abs(det) > 1e-9 * s11 * s22)) return [one(s1y, s11), 0];
  const a = (s1y * s22 - s2y * s12) / det;
  const b = (s2y * s11 - s1y * s12) / det;
  if (a >= 0 && b >= 0) return [a, b];
  const onlyA: [number, number] = [one(s1y, s11), 0];
  const onlyB: [number, number] = [0, one(s2y, s22)];
  const error = ([ca, cb]: [number, number]) =>
    points.reduce((sum, { x1, x2, y }) => sum + (y - ca * x1 - cb * x2) ** 2, 0);
  return error(onlyA) <= error(onlyB) ? onlyA : onlyB;
}

/** Deliveries/s each component can carry at `replicas` replicas before its CPU limit (the model). */
export function componentCapacities(
  replicas: number,
  costs: UnitCosts,
  limits: CapacityLimits,
): Record<Exclude<LimitingComponent, 'load generator' | 'none'>, number> {
  const receiptsPerDelivery = receiptsPerPublish(replicas, costs.fanout) / costs.fanout;
  const replicaS =
    costs.replicaCpuMsPer1kDeliveries / 1e6 + (costs.replicaCpuMsPer1kReceipts / 1e6) * receiptsPerDelivery;
  const redisS =
    costs.redisCpuUsPerPublish / 1e6 / costs.fanout +
    (costs.redisCpuUsPerReceipt / 1e6) * receiptsPerDelivery;
  const proxyS = costs.proxyCpuMsPer1kDeliveries / 1e6;
  const loadS = costs.loadCpuMsPer1kDeliveries / 1e6;
  const perS = (cores: number, secondsPerDelivery: number) =>
    secondsPerDelivery > 0 ? cores / secondsPerDelivery : Number.POSITIVE_INFINITY;
  return {
    replica: perS(replicas * limits.replicaCpuCores, replicaS),
    redis: perS(limits.redisCpuCores, redisS),
    proxy: perS(limits.proxyCpuCores, proxyS),
    machine: perS(limits.machineCores, replicaS + redisS + proxyS + loadS),
  };
}

/** The model's max sustainable deliveries/s at `replicas`, and the component that bounds it. */
export function predictMaxRate(
  replicas: number,
  costs: UnitCosts,
  limits: CapacityLimits,
): { deliveriesPerS: number; limiting: LimitingComponent } {
  const capacities = componentCapacities(replicas, costs, limits);
  const [limiting, capacity] = Object.entries(capacities).sort(([, a], [, b]) => a - b)[0] as [
    LimitingComponent,
    number,
  ];
  return { deliveriesPerS: capacity * costs.sustainableFraction, limiting };
}

/** Steps at or above this share of their count's maximum are fitted (see fitUnitCosts). */
const NEAR_MAXIMUM = 0.6;

/** What the idle-connection ramp measured (memory slope, base, proxy costs per connection). */
export type ConnectionCosts = Pick<
  UnitCosts,
  | 'replicaMemoryKiBPerConnection'
  | 'replicaBaseMemoryMiB'
  | 'proxyCpuMsPerConnection'
  | 'proxyMemoryKiBPerConnection'
>;

/**
 * Fits the unit costs from the steps of the given replica counts (valid steps with no loss: CPU
 * per delivery is only comparable where every message arrived), then how much of the CPU-bound
 * capacity stayed sustainable, from each count's measured maximum.
 */
export function fitUnitCosts(
  steps: readonly LoadStep[],
  fitReplicaCounts: readonly number[],
  maxima: ReadonlyMap<number, number>,
  fanout: number,
  limits: CapacityLimits,
  connectionCosts: ConnectionCosts = {},
): UnitCosts {
  // Steps near each count's maximum only: per-delivery cost falls as load rises (more messages per
  // event-loop turn and per write), and the capacity is decided at the top, not at light load.
  const used = steps.filter(
    (step) =>
      fitReplicaCounts.includes(step.replicas) &&
      step.valid &&
      step.lost === 0 &&
      step.deliveredPerS > 0 &&
      step.deliveredPerS >= NEAR_MAXIMUM * (maxima.get(step.replicas) ?? 0),
  );
  if (used.length === 0) throw new Error('no valid step to fit the unit costs on');
  const counts = used.map((step) => {
    const deliveries = step.deliveredPerS * step.windowS;
    const publishes = step.publishedPerS * step.windowS;
    return { step, deliveries, publishes, receipts: publishes * receiptsPerPublish(step.replicas, fanout) };
  });
  const [replicaPerDelivery, replicaPerReceipt] = fitTwoTerms(
    counts.map((c) => ({ x1: c.deliveries, x2: c.receipts, y: c.step.cpuSeconds.replica })),
  );
  const [redisPerPublish, redisPerReceipt] = fitTwoTerms(
    counts.map((c) => ({ x1: c.publishes, x2: c.receipts, y: c.step.cpuSeconds.redis })),
  );
  const [proxyPerDelivery] = fitTwoTerms(
    counts.map((c) => ({ x1: c.deliveries, x2: 0, y: c.step.cpuSeconds.proxy })),
  );
  const [loadPerDelivery] = fitTwoTerms(
    counts.map((c) => ({ x1: c.deliveries, x2: 0, y: c.step.cpuSeconds.load })),
  );
  const costs: UnitCosts = {
    fanout,
    replicaCpuMsPer1kDeliveries: replicaPerDelivery * 1e6,
    replicaCpuMsPer1kReceipts: replicaPerReceipt * 1e6,
    redisCpuUsPerPublish: redisPerPublish * 1e6,
    redisCpuUsPerReceipt: redisPerReceipt * 1e6,
    proxyCpuMsPer1kDeliveries: proxyPerDelivery * 1e6,
    loadCpuMsPer1kDeliveries: loadPerDelivery * 1e6,
    sustainableFraction: 1,
    ...connectionCosts,
  };
  const fractions = fitReplicaCounts
    .map((replicas) => {
      const measured = maxima.get(replicas) ?? 0;
      const capacity = predictMaxRate(replicas, costs, limits).deliveriesPerS;
      return measured > 0 && Number.isFinite(capacity) ? measured / capacity : undefined;
    })
    .filter((fraction): fraction is number => fraction !== undefined);
  const sustainableFraction =
    fractions.length > 0 ? fractions.reduce((sum, fraction) => sum + fraction, 0) / fractions.length : 1;
  return { ...costs, sustainableFraction };
}
