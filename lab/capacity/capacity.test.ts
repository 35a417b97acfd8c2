import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MachineCpuMeter } from '../../observe/machine-cpu.js';
import { readStackFile } from '../../topology/stack-config.js';
import { runPlan } from '../cli/plan-command.js';
import type { Capacity, CapacityLimits, LoadStep, UnitCosts } from '../report/capacity-schema.js';
import { capacityTables } from '../report/capacity-tables.js';
import { type Demand, planCapacity, planWithPlacement } from './deployment-plan.js';
import {
  componentCapacities,
  fitTwoTerms,
  fitUnitCosts,
  predictMaxRate,
  receiptsPerPublish,
} from './model.js';
import { writePlanStack } from './stack-file.js';
import { limitingOf, windowCpuSeconds } from './steps.js';

const dir = mkdtempSync(join(tmpdir(), 'wslab-capacity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LIMITS: CapacityLimits = { replicaCpuCores: 0.25, redisCpuCores: 1, proxyCpuCores: 1, machineCores: 2 };

/** Costs in the shape a scale report saves (round numbers: the arithmetic can be checked by hand). */
const COSTS: UnitCosts = {
  fanout: 25,
  replicaCpuMsPer1kDeliveries: 50,
  replicaCpuMsPer1kReceipts: 20,
  redisCpuUsPerPublish: 20,
  redisCpuUsPerReceipt: 5,
  proxyCpuMsPer1kDeliveries: 10,
  loadCpuMsPer1kDeliveries: 40,
  sustainableFraction: 0.8,
  replicaMemoryKiBPerConnection: 4,
  replicaBaseMemoryMiB: 48,
  proxyCpuMsPerConnection: 0.05,
  proxyMemoryKiBPerConnection: 2,
};

/** A step whose CPU follows the given costs exactly (what a perfect measurement would give). */
function syntheticStep(replicas: number, deliveredPerS: number, costs: UnitCosts): LoadStep {
  const windowS = 6;
  const publishedPerS = deliveredPerS / costs.fanout;
  const receipts = publishedPerS * windowS * receiptsPerPublish(replicas, costs.fanout);
  const deliveries = deliveredPerS * windowS;
  return {
    replicas,
    offeredDeliveriesPerS: deliveredPerS,
    deliveredPerS,
    publishedPerS,
    p99Ms: 50,
    lost: 0,
    valid: true,
    sustainable: true,
    failures: [],
    utilization: { replica: 0.5, redis: 0.1, proxy: 0.1, load: 0.2, machine: 0.5, others: 0 },
    limiting: 'replica',
    cpuSeconds: {
      replica:
        (deliveries * costs.replicaCpuMsPer1kDeliveries + receipts * costs.replicaCpuMsPer1kReceipts) / 1e6,
      redis:
        (publishedPerS * windowS * costs.redisCpuUsPerPublish + receipts * costs.redisCpuUsPerReceipt) / 1e6,
      proxy: (deliveries * costs.proxyCpuMsPer1kDeliveries) / 1e6,
      load: (deliveries * costs.loadCpuMsPer1kDeliveries) / 1e6,
    },
    windowS,
  };
}

describe('capacity model', () => {
  it('counts the replicas a publish reaches when members are spread at random', () => {
    expect(receiptsPerPublish(1, 25)).toBe(1);
    expect(receiptsPerPublish(3, 25)).toBeCloseTo(3 * (1 - (2 / 3) ** 25), 10);
    expect(receiptsPerPublish(100, 10)).toBeCloseTo(100 * (1 - 0.99 ** 10), 10); // ≈ 9.56: about the fan-out
  });

  it('fits two non-negative terms, and drops one that noise would make negative', () => {
    const exact = [
      { x1: 1, x2: 1, y: 7 },
      { x1: 2, x2: 1, y: 9 },
      { x1: 1, x2: 3, y: 17 },
    ];
    const [a, b] = fitTwoTerms(exact);
    expect(a).toBeCloseTo(2, 10);
    expect(b).toBeCloseTo(5, 10);
    // y falls with x2: the x2 term would be negative, so it is 0 and x1 alone is refitted
    const [a2, b2] = fitTwoTerms([
      { x1: 1, x2: 2, y: 1 },
      { x1: 2, x2: 1, y: 4 },
    ]);
    expect(b2).toBe(0);
    expect(a2).toBeCloseTo((1 * 1 + 2 * 4) / (1 + 4), 10);
  });

  it('recovers the unit costs from steps at 1 and 2 replicas and predicts 3 it has not seen', () => {
    const truth = { ...COSTS, sustainableFraction: 1 };
    const capacity = (n: number) => predictMaxRate(n, truth, LIMITS).deliveriesPerS;
    // measured maxima at 80% of the CPU-bound capacity, steps below them
    const maxima = new Map([
      [1, capacity(1) * 0.8],
      [2, capacity(2) * 0.8],
    ]);
    const steps = [
      syntheticStep(1, 1_000, truth),
      syntheticStep(1, maxima.get(1)!, truth),
      syntheticStep(2, 1_500, truth),
      syntheticStep(2, maxima.get(2)!, truth),
      // light load costs more per delivery (fixed overheads, no batching): not what the top costs
      syntheticStep(1, 500, { ...truth, replicaCpuMsPer1kDeliveries: 90 }),
      // a step of the held-out count must not leak into the fit
      syntheticStep(3, 4_000, { ...truth, replicaCpuMsPer1kDeliveries: 500 }),
    ];
    const fitted = fitUnitCosts(steps, [1, 2], maxima, 25, LIMITS);
    expect(fitted.replicaCpuMsPer1kDeliveries).toBeCloseTo(50, 6);
    expect(fitted.replicaCpuMsPer1kReceipts).toBeCloseTo(20, 6);
    expect(fitted.redisCpuUsPerPublish).toBeCloseTo(20, 6);
    expect(fitted.redisCpuUsPerReceipt).toBeCloseTo(5, 6);
    expect(fitted.proxyCpuMsPer1kDeliveries).toBeCloseTo(10, 6);
    expect(fitted.sustainableFraction).toBeCloseTo(0.8, 6);
    expect(predictMaxRate(3, fitted, LIMITS).deliveriesPerS).toBeCloseTo(capacity(3) * 0.8, 3);
  });

  it('names the component whose limit bounds the rate', () => {
    // replicas: 3 × 0.25 cores / (50 + 20 × R(3)/25 µs) per delivery; the machine: 2 cores / all costs
    const at3 = componentCapacities(3, COSTS, LIMITS);
    const replicaS = (50 + 20 * (receiptsPerPublish(3, 25) / 25)) / 1e6;
    expect(at3.replica).toBeCloseTo(0.75 / replicaS, 6);
    expect(predictMaxRate(3, COSTS, LIMITS).limiting).toBe('replica');
    const wideReplicas = { ...LIMITS, replicaCpuCores: 4 };
    expect(predictMaxRate(3, COSTS, wideReplicas).limiting).toBe('machine');
  });
});

describe('load steps', () => {
  it('counts CPU only inside the publishing window', () => {
    const usage = {
      samples: [
        { tMs: 0, cpuPercent: 0, rssBytes: 0 },
        { tMs: 1_000, cpuPercent: 100, rssBytes: 0 },
        { tMs: 2_000, cpuPercent: 50, rssBytes: 0 },
        { tMs: 3_000, cpuPercent: 20, rssBytes: 0 },
      ],
    };
    // window 500..2500: half of the first interval (1 core), all of the second (0.5), half of the third (0.2)
    expect(windowCpuSeconds(usage, 500, 2_500)).toBeCloseTo(0.5 + 0.5 + 0.1, 10);
  });

  it('blames the load generator when it fell behind, else the fullest component', () => {
    const utilization = { replica: 0.98, redis: 0.2, proxy: 0.3, load: 0.4, machine: 0.7, others: 0.1 };
    expect(limitingOf(utilization, true)).toBe('replica');
    expect(limitingOf(utilization, false)).toBe('load generator');
    expect(limitingOf({ ...utilization, replica: 0.5, machine: 0.95 }, true)).toBe('machine');
    // a runner behind its schedule on a saturated machine (others' work included) was starved by it
    expect(limitingOf({ ...utilization, machine: 0.95, others: 0.4 }, false)).toBe('machine');
  });
});

const DEMAND: Demand = {
  connections: 100_000,
  publishRatePerS: 1_000,
  fanout: 25,
  headroom: 0.3,
  replicaCpuCores: 0.25,
  placement: 'random',
};

describe('machine CPU meter', () => {
  it('measures the busy share of every core between two times from /proc/stat', () => {
    const lines = [
      'cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 1 1 1 1',
      'cpu  300 0 200 800 100 0 0 0 0 0\ncpu0 1 1 1 1',
    ];
    let reads = 0;
    const meter = new MachineCpuMeter(60_000, () => lines[Math.min(reads++, 1)]!);
    meter.sampleNow();
    meter.sampleNow();
    const now = Date.now();
    // busy went 200 → 500 of a total 1000 → 1400: 300 of 400 ticks
    expect(meter.busyFraction(now - 60_000, now + 1)).toBeCloseTo(0.75, 10);
    expect(meter.busyFraction(now + 10_000, now + 20_000)).toBeUndefined();
  });
});

describe('planCapacity', () => {
  it('sizes replicas, memory, Redis and the proxy with each term of the arithmetic', () => {
    const plan = planCapacity(DEMAND, COSTS);
    // per replica usable: 0.25 × 0.8 × 0.7 = 0.14 cores; need 25 000 × 50 µs + 1000 × R(N) × 20 µs
    const need = (n: number) => 1.25 + (1_000 * receiptsPerPublish(n, 25) * 20) / 1e6;
    expect(plan.replicaCpuCores).toBe(0.25);
    expect(need(plan.replicas)).toBeLessThanOrEqual(plan.replicas * 0.14);
    expect(need(plan.replicas - 1)).toBeGreaterThan((plan.replicas - 1) * 0.14);
    // memory: (48 MiB + ceil(100 000 / N) × 4 KiB) / 0.7, up to 64 MiB steps
    const perReplica = Math.ceil(100_000 / plan.replicas);
    expect(plan.replicaMemoryMiB).toBe(Math.ceil((48 + (perReplica * 4) / 1024) / 0.7 / 64) * 64);
    // Redis: 1000 × 20 µs + 1000 × R × 5 µs, over one thread at 70%
    expect(plan.redisShards).toBe(1);
    // proxy: 25 000 × 10 µs = 0.25 cores / 0.7 = 0.357 → 0.5 cores, one worker
    expect(plan.proxyCores).toBe(0.5);
    expect(plan.proxyWorkers).toBe(1);
    expect(plan.totalMemoryMiB).toBe(Math.ceil(plan.replicas * plan.replicaMemoryMiB + (100_000 * 2) / 1024));
    const names = plan.terms.map((term) => term.name);
    expect(names).toEqual(
      expect.arrayContaining(['deliveries', 'replica CPU', 'replicas (CPU)', 'Redis shards']),
    );
    expect(plan.terms.find((term) => term.name === 'deliveries')).toMatchObject({ value: 25_000 });
  });

  it('makes each replica bigger (up to one core) when the count would pass the spec maximum (32)', () => {
    // 250 000 deliveries/s: 12.5 cores of deliveries, more than 32 quarter-core replicas carry
    const medium = { ...DEMAND, publishRatePerS: 10_000 };
    const plan = planCapacity(medium, COSTS);
    expect(plan.replicas).toBeLessThanOrEqual(32);
    expect(plan.replicaCpuCores).toBeGreaterThan(0.25);
    expect(plan.replicaCpuCores).toBeLessThanOrEqual(1);
    expect(plan.warnings.join('\n')).toContain("the spec's maximum");
    // 1 000 000 deliveries/s: more than 32 one-core replicas; the plan says so and no stack is written
    const big = { ...DEMAND, connections: 1_000_000, publishRatePerS: 20_000, fanout: 50 };
    const bigPlan = planCapacity(big, COSTS);
    expect(bigPlan.replicaCpuCores).toBe(1);
    expect(bigPlan.replicas).toBeGreaterThan(32);
    expect(bigPlan.warnings.join('\n')).toMatch(/split the load over \d+ deployments/);
    expect(bigPlan.redisShards).toBeGreaterThan(1);
    expect(() => writePlanStack(dir, 'too-big', bigPlan, big, 'x')).toThrow(/wslab:replicas/);
  });
});

describe('placement', () => {
  it('auto: room stickiness when a publish reaching every replica cannot be carried', () => {
    // a receipt costs 348 µs: 2000 publishes/s reaching every replica is 0.7 cores each, more
    // than a one-core replica may use at 80% × 70%, so only replicas past the fan-out (each then
    // missing some rooms) carry it: more than one stack holds. With room stickiness a publish
    // reaches one replica.
    const costly = { ...COSTS, replicaCpuMsPer1kReceipts: 348 };
    const demand = { ...DEMAND, publishRatePerS: 2_000, fanout: 50 };
    expect(planCapacity({ ...demand, placement: 'random' }, costly).replicas).toBeGreaterThan(32);
    const plan = planWithPlacement(demand, costly, 'auto');
    expect(plan.placement).toBe('room');
    expect(plan.terms.find((term) => term.name === 'receipts per publish')?.value).toBe(1);
    expect(plan.warnings[0]).toContain('room stickiness chosen');
    expect(plan.replicas).toBeLessThanOrEqual(32);
    const { path } = writePlanStack(dir, 'by-room', plan, { ...demand, placement: plan.placement }, 'x');
    expect(readStackFile(path).stickiness).toBe('room');
    // where spreading works, auto keeps it
    expect(planWithPlacement(DEMAND, COSTS, 'auto')).toEqual(planCapacity(DEMAND, COSTS));
  });
});

describe('plan stack file', () => {
  it('writes a Pulumi stack the spec parser accepts, with the plan in it', () => {
    const plan = planCapacity(DEMAND, COSTS);
    const { path } = writePlanStack(dir, 'planned', plan, DEMAND, 'reports/x-scale');
    const config = readStackFile(path);
    expect(config).toMatchObject({
      proxy: 'haproxy',
      replicas: plan.replicas,
      replicaCpuCores: plan.replicaCpuCores,
      replicaMemoryMiB: plan.replicaMemoryMiB,
      redisMode: 'single',
      proxyWorkers: plan.proxyWorkers,
      proxyCpuCores: plan.proxyCores,
    });
    expect(() => writePlanStack(dir, 'planned', plan, DEMAND, 'x')).toThrow(/exists/);
    expect(() => writePlanStack(dir, '../evil', plan, DEMAND, 'x')).toThrow(/letters, digits/);
  });

  it('wslab plan reads the unit costs from the newest scale report and writes the stack', () => {
    const projectDir = join(dir, 'project');
    const reportDir = join(projectDir, 'reports', '2026-01-01T00-00-00Z-scale');
    mkdirSync(reportDir, { recursive: true });
    const result = {
      schemaVersion: 1,
      experiment: 'scale',
      mode: 'full',
      title: 'scale',
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:05:00.000Z',
      durationMs: 300_000,
      machine: {
        hostname: 'h',
        platform: 'linux',
        release: '6',
        arch: 'x64',
        cpuModel: 'cpu',
        cpus: 2,
        totalMemoryBytes: 1,
        node: 'v20',
      },
      runs: [{ label: '1r' }],
      capacity: {
        capped: true,
        limits: LIMITS,
        boundP99Ms: 250,
        steps: [],
        perReplicaCount: [],
        unitCosts: COSTS,
      },
    };
    writeFileSync(join(reportDir, 'result.json'), JSON.stringify(result));
    const flags = {
      connections: 100_000,
      publishRate: 1_000,
      fanout: 25,
      headroom: 0.3,
      placement: 'auto' as const,
    };
    const { text, plan, stackPath } = runPlan({ ...flags, writeStack: 'from-report' }, projectDir);
    expect(plan).toEqual(planCapacity(DEMAND, COSTS));
    expect(text).toContain(`unit costs from ${reportDir}`);
    expect(text).toContain('replicas (CPU): ');
    // the costs' checks, said with the plan (this report has no held-out count with a bracket)
    expect(text).toContain(
      'checks of these costs:\n  not checked: the report has no held-out count with a bracket',
    );
    expect(readStackFile(stackPath!).replicas).toBe(plan.replicas);
    expect(() => runPlan({ ...flags, from: join(dir, 'nope') }, projectDir)).toThrow(
      /no result.json with unit costs/,
    );
    expect(() => runPlan(flags, join(dir, 'empty'))).toThrow(/no scale report with unit costs/);
  });
});

describe('capacity tables of the scale report', () => {
  const step = syntheticStep(1, 2_000, COSTS);
  const capacity = (capped: boolean): Capacity => ({
    capped,
    limits: LIMITS,
    boundP99Ms: 250,
    steps: [
      step,
      { ...step, sustainable: false, failures: ['p99 300 ms > 250 ms'], offeredDeliveriesPerS: 2_600 },
    ],
    perReplicaCount: [
      { replicas: 1, maxSustainedDeliveriesPerS: 2_000, efficiency: 1, limiting: 'replica' },
      {
        replicas: 3,
        maxSustainedDeliveriesPerS: 5_000,
        efficiency: 0.83,
        limiting: 'replica',
        predictedDeliveriesPerS: 5_500,
      },
    ],
    unitCosts: COSTS,
    heldOut: {
      fittedOn: [1, 2],
      replicas: 3,
      predictedDeliveriesPerS: 5_500,
      measuredDeliveriesPerS: 5_000,
      errorPercent: 10,
    },
  });

  it('shows each count with its efficiency, limit and the held-out prediction', () => {
    const [perCount, steps, costs] = capacityTables(capacity(true));
    expect(perCount!.title).not.toContain('UNCAPPED');
    expect(perCount!.rows).toEqual([
      ['1', '2000', '–', '100%', 'replica', '–', 'fitted on this'],
      ['3', '5000', '–', '83%', 'replica', '–', '5500 (+10%)'],
    ]);
    expect(steps!.rows[1]!.at(-1)).toBe('no: p99 300 ms > 250 ms');
    expect(costs!.rows).toContainEqual(['replica CPU-ms per 1000 deliveries', '50']);
  });

  it('marks every table UNCAPPED when no cgroup was usable', () => {
    for (const table of capacityTables(capacity(false)).slice(0, 2))
      expect(table.title).toContain('UNCAPPED');
    expect(capacityTables(undefined)).toEqual([]);
  });
});
