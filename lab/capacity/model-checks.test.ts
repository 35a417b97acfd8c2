import { describe, expect, it } from 'vitest';
import type { LoadStep } from '../report/capacity-schema.js';
import { fitUnitCosts } from './model.js';
import { modelChecks } from './model-checks.js';

const LIMITS = { replicaCpuCores: 0.25, redisCpuCores: 1, proxyCpuCores: 1, machineCores: 2 };
const FANOUT = 25;

/**
 * A measured step whose replica CPU per delivery is `replicaUsPerDelivery(rate per replica)`:
 * the shape the issue measured (≈ 18 µs at 11k/s on one replica, ≈ 6 µs at 41k/s per replica),
 * not the fitted model's own line. Redis, HAProxy and the generator: fixed µs per delivery with
 * ±3% alternating noise.
 */
function measured(
  replicas: number,
  offered: number,
  sustainable: boolean,
  replicaUsPerDelivery: (perReplicaPerS: number) => number,
  noise: number,
): LoadStep {
  const delivered = sustainable ? offered * 0.99 : offered * 0.9;
  const windowS = 4;
  const deliveries = delivered * windowS;
  const replicaS = (deliveries * replicaUsPerDelivery(delivered / replicas)) / 1e6;
  return {
    replicas,
    offeredDeliveriesPerS: offered,
    deliveredPerS: delivered,
    publishedPerS: delivered / FANOUT,
    p99Ms: sustainable ? 30 : 400,
    lost: 0,
    valid: true,
    sustainable,
    failures: sustainable ? [] : ['p99 400 ms > 250 ms'],
    utilization: { replica: 0.95, redis: 0.2, proxy: 0.3, load: 0.2, machine: 0.7, others: 0 },
    limiting: 'replica',
    cpuSeconds: {
      replica: replicaS,
      redis: (deliveries * 0.8 * (1 + noise)) / 1e6,
      proxy: (deliveries * 4.6 * (1 - noise)) / 1e6,
      load: (deliveries * 3.1 * (1 + noise)) / 1e6,
    },
    windowS,
  };
}

function curve(replicaUsPerDelivery: (perReplicaPerS: number) => number): LoadStep[] {
  const knee = (replicas: number) => (replicas * 0.25 * 1e6) / replicaUsPerDelivery(12_000);
  return [1, 2, 3].flatMap((replicas, index) => {
    const top = knee(replicas);
    const noise = index % 2 === 0 ? 0.03 : -0.03;
    return [
      measured(replicas, top * 0.7, true, replicaUsPerDelivery, noise),
      measured(replicas, top * 0.97, true, replicaUsPerDelivery, -noise),
      measured(replicas, top * 1.02, false, replicaUsPerDelivery, noise),
    ];
  });
}

function checksOf(steps: LoadStep[]) {
  const maxima = new Map(
    [1, 2].map((replicas) => [
      replicas,
      Math.max(...steps.filter((s) => s.replicas === replicas && s.sustainable).map((s) => s.deliveredPerS)),
    ]),
  );
  const costs = fitUnitCosts(steps, [1, 2], maxima, FANOUT, LIMITS);
  return modelChecks({ steps, limits: LIMITS }, costs, 3);
}

describe('modelChecks on the held-out count', () => {
  it('passes a model whose costs hold on the count it never saw (constant cost per delivery, noisy)', () => {
    const checks = checksOf(curve(() => 20));
    expect(checks).toHaveLength(3);
    expect(checks[0]!.name).toMatch(/^held-out 3 replicas: max rate in its bracket/);
    expect(checks.map((check) => [check.name, check.passed, check.detail])).toEqual(
      checks.map((check) => [check.name, true, check.detail]),
    );
  });

  it('fails the CPU check where the replica’s cost per delivery falls with the rate (the issue’s shape)', () => {
    // per-socket batching: ≈ 18 µs at 11k/s per replica, falling towards 6 µs
    const checks = checksOf(curve((perReplicaPerS) => 6 + 12 * Math.min(1, 11_000 / perReplicaPerS) ** 2));
    const cpu = checks.filter((check) => check.name.includes('CPU per component'));
    expect(cpu.length).toBe(2);
    expect(cpu.some((check) => !check.passed)).toBe(true);
    expect(cpu.find((check) => !check.passed)!.detail).toMatch(/replica [+-]\d+%/);
  });

  it('says nothing without a bracket on the held-out count', () => {
    const steps = curve(() => 20).filter((step) => !(step.replicas === 3 && !step.sustainable));
    expect(checksOf(steps)).toEqual([]);
  });
});
