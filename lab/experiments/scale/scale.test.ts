import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LoadStep } from '../../report/capacity-schema.js';
import { parseResult } from '../../report/schema.js';
import { syntheticResult } from '../../report/synthetic.js';
import { validityChecker } from '../check/validity.js';
import { countRow } from './analyse.js';
import { chooseBudget, coresAtCap } from './budget.js';
import { searchBracket } from './search.js';

const FIXTURE_283 = JSON.parse(
  readFileSync(new URL('./fixtures/efficiency-283.json', import.meta.url), 'utf8'),
) as { capacity: unknown };

/** A step as stepOf makes it: passing below `kneePerS`, the replica at `offered / knee` of its cap. */
function stepAt(offered: number, kneePerS: number, replicas = 1, extra: Partial<LoadStep> = {}): LoadStep {
  const sustainable = offered <= kneePerS;
  const delivered = sustainable ? offered * 0.995 : kneePerS * 1.02;
  const replica = Math.min(1, offered / kneePerS);
  return {
    replicas,
    offeredDeliveriesPerS: offered,
    deliveredPerS: delivered,
    publishedPerS: delivered / 25,
    p99Ms: sustainable ? 20 : 600,
    lost: 0,
    valid: true,
    sustainable,
    failures: sustainable ? [] : ['p99 600 ms > 250 ms'],
    utilization: { replica, redis: 0.1, proxy: 0.1, load: 0.1, machine: 0.4, others: 0 },
    limiting: 'replica',
    cpuSeconds: { replica: replica * 0.25 * 4 * replicas, redis: 0.4, proxy: 0.4, load: 0.8 },
    windowS: 4,
    ...extra,
  };
}

/** The search's measureAt: a failed step measured again once, as searchReplicaCount does. */
function confirmed(measure: (offered: number) => LoadStep) {
  const offered: number[] = [];
  const measureAt = async (rate: number) => {
    offered.push(rate);
    const first = measure(rate);
    if (first.sustainable) return [first];
    offered.push(rate);
    return [{ ...first, repeated: true }, measure(rate)];
  };
  return { offered, measureAt };
}

const FULL = {
  climbFactor: 1.6,
  bracketTolerance: 0.05,
  maxSteps: 10,
  maxOfferedPerS: 200_000,
  minOfferedPerS: 500,
};

describe('searchBracket', () => {
  it('climbs, then bisects to a passing and a failing step within 5%', async () => {
    const { measureAt } = confirmed((rate) => stepAt(rate, 11_700));
    const outcome = await searchBracket(measureAt, 3_000, FULL);
    expect(outcome.passing!.offeredDeliveriesPerS).toBeLessThanOrEqual(11_700);
    expect(outcome.failing!.offeredDeliveriesPerS).toBeGreaterThan(11_700);
    expect(
      outcome.failing!.offeredDeliveriesPerS / outcome.passing!.offeredDeliveriesPerS,
    ).toBeLessThanOrEqual(1.05);
  });

  it('repeats a failed step once, and a repeat that passes counts as passing', async () => {
    let noisy = true;
    // the first 4 800/s step fails once (another process took the machine), then passes
    const { offered, measureAt } = confirmed((rate) => {
      if (rate === 4_800 && noisy) {
        noisy = false;
        return stepAt(rate, 1_000);
      }
      return stepAt(rate, 11_700);
    });
    const outcome = await searchBracket(measureAt, 3_000, FULL);
    expect(offered.filter((rate) => rate === 4_800)).toHaveLength(2);
    expect(outcome.steps.find((step) => step.offeredDeliveriesPerS === 4_800 && step.repeated)).toBeDefined();
    expect(outcome.passing!.offeredDeliveriesPerS).toBeGreaterThan(4_800);
    expect(
      outcome.failing!.offeredDeliveriesPerS / outcome.passing!.offeredDeliveriesPerS,
    ).toBeLessThanOrEqual(1.05);
  });

  it('goes down from a first step that fails, and says not bracketed when nothing fails in range', async () => {
    const down = await searchBracket(confirmed((rate) => stepAt(rate, 2_000)).measureAt, 9_000, FULL);
    expect(down.passing!.offeredDeliveriesPerS).toBeLessThanOrEqual(2_000);
    expect(down.failing!.offeredDeliveriesPerS / down.passing!.offeredDeliveriesPerS).toBeLessThanOrEqual(
      1.05,
    );
    const top = await searchBracket(confirmed((rate) => stepAt(rate, 1e9)).measureAt, 3_000, {
      ...FULL,
      maxOfferedPerS: 20_000,
    });
    expect(top.failing).toBeUndefined();
    expect(top.passing!.offeredDeliveriesPerS).toBe(20_000);
    expect(countRow(1, top.steps, false).notMeasured).toBe('≥ 20000/s, not bracketed');
    // a count failing everywhere stops at the floor: no step passed, nothing below it judged
    const { offered, measureAt } = confirmed((rate) => stepAt(rate, 10));
    const none = await searchBracket(measureAt, 3_000, FULL);
    expect(none.passing).toBeUndefined();
    expect(Math.min(...offered)).toBe(500);
    expect(countRow(1, none.steps, false)).toMatchObject({ notMeasured: 'no step passed', efficiency: null });
  });
});

describe('budget', () => {
  // the figures: replica 6.4, generator 7.9, HAProxy 4.6 CPU-ms per 1000 deliveries
  const calibration = [
    stepAt(5_000, 11_000, 1, {
      deliveredPerS: 5_000,
      windowS: 4,
      cpuSeconds: { replica: 0.128, redis: 0.02, proxy: 0.092, load: 0.158 },
    }),
  ] as const;

  it('takes the cost per delivery from the slope between two steps, the rest as fixed cores', () => {
    // the generator: 0.1 core whatever the load (connections, heartbeats, the lab), 4 µs per delivery
    const at = (perS: number) =>
      stepAt(perS, 20_000, 1, {
        deliveredPerS: perS,
        windowS: 4,
        cpuSeconds: {
          replica: perS * 4 * 10e-6,
          redis: 0.04,
          proxy: perS * 4 * 3e-6,
          load: 4 * (0.1 + perS * 4e-6),
        },
      });
    const budget = chooseBudget([at(750), at(1_500)], [1, 2], [0.25], 2, 0.8);
    expect(budget.cpuMsPer1kDeliveries.load).toBeCloseTo(4, 5);
    expect(budget.fixedCores!.load).toBeCloseTo(0.1, 5);
    expect(budget.cpuMsPer1kDeliveries.replica).toBeCloseTo(10, 5);
    // Redis did not rise with the load: all of it counted per delivery, nothing fixed
    expect(budget.fixedCores!.redis).toBeCloseTo(0, 5);
  });

  it('chooses the highest cap at which every count fits in 80% of the machine', () => {
    const budget = chooseBudget(calibration, [1, 2, 3], [0.25, 0.2, 0.15, 0.1], 2, 0.8);
    expect(budget.cpuMsPer1kDeliveries.load).toBeCloseTo(7.9, 5);
    // 3 × cap × (1 + (7.9 + 4.6 + 1) / 6.4) ≤ 1.6 cores: cap ≤ 0.17
    expect(budget.replicaCpuCores).toBe(0.15);
    expect(budget.machineBound).toEqual([]);
    expect(coresAtCap(3, 0.15, budget.cpuMsPer1kDeliveries, budget.fixedCores)).toBeLessThanOrEqual(1.6);
    expect(coresAtCap(3, 0.2, budget.cpuMsPer1kDeliveries, budget.fixedCores)).toBeGreaterThan(1.6);
  });

  it('leaves out the counts that fit at no candidate cap, and gives them no figures', () => {
    const budget = chooseBudget(calibration, [1, 2, 3, 4, 8], [0.25, 0.1], 2, 0.8);
    expect(budget.replicaCpuCores).toBe(0.1);
    expect(budget.machineBound).toEqual([8]);
    expect(countRow(8, [], true)).toMatchObject({ efficiency: null, bracket: null, limiting: 'machine' });
    expect(countRow(8, [], true).notMeasured).toMatch(/^machine-bound: not measured/);
  });
});

describe('the checker on scale results', () => {
  const resultWith = (capacity: unknown) => {
    const result = parseResult({ ...syntheticResult(), experiment: 'scale', capacity });
    return { result, judgement: validityChecker(result) };
  };

  it('refuses the 283% run: a floor for a baseline, an impossible efficiency, wide brackets, the machine', () => {
    const { judgement } = resultWith(FIXTURE_283.capacity);
    expect(judgement.valid).toBe('unknown');
    const byRun = Object.fromEntries(
      judgement.invalidRuns.map((entry) => [entry.run, entry.reasons.join(' | ')]),
    );
    expect(byRun['1 replica']).toMatch(/not bracketed: the search ended on a sustainable step \(11138\/s/);
    expect(byRun['1 replica']).toMatch(/"limited by replica" with the replica at 76% of its limit/);
    expect(byRun['2 replicas']).toMatch(/impossible: efficiency 283% > 110%/);
    expect(byRun['2 replicas']).toMatch(/bracket 63576–82649\/s is 30% wide > 10%/);
    expect(byRun['3 replicas']).toMatch(/^machine-bound/);
  });

  it('trusts a curve bracketed within 5% at its knees, and refuses a baseline that moved', () => {
    const steps = [
      ...[10_000, 10_400].map((rate) =>
        stepAt(rate, 10_200, 1, { utilization: { ...stepAt(rate, 10_200).utilization, replica: 0.97 } }),
      ),
      ...[19_500, 20_300].map((rate) =>
        stepAt(rate, 19_800, 2, { utilization: { ...stepAt(rate, 19_800).utilization, replica: 0.96 } }),
      ),
    ];
    const rows = [countRow(1, steps, false), countRow(2, steps, false)];
    expect(rows.map((row) => row.bracket)).toEqual([
      { passingPerS: 10_000, failingPerS: 10_400 },
      { passingPerS: 19_500, failingPerS: 20_300 },
    ]);
    const perReplicaCount = rows.map((row) => ({
      ...row,
      efficiency: row.maxSustainedDeliveriesPerS / (row.replicas * rows[0]!.maxSustainedDeliveriesPerS),
    }));
    const capacity = {
      capped: true,
      limits: { replicaCpuCores: 0.15, redisCpuCores: 1, proxyCpuCores: 1, machineCores: 2 },
      boundP99Ms: 250,
      steps,
      perReplicaCount,
      baselineRunsPerS: [9_950, 10_300],
    };
    expect(resultWith(capacity).judgement).toMatchObject({ valid: true, invalidRuns: [] });
    const moved = resultWith({ ...capacity, baselineRunsPerS: [9_950, 7_900] }).judgement;
    expect(moved.invalidRuns).toEqual([
      { run: '1 replica', reasons: [expect.stringMatching(/^baseline moved 26% between its two searches/)] },
    ]);
  });
});
