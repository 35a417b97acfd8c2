import { describe, expect, it } from 'vitest';
import type { Judgement } from '../../report/judgement.js';
import { parseResult } from '../../report/schema.js';
import { syntheticResult } from '../../report/synthetic.js';
import { compose, findings } from './checker.js';
import { validityChecker } from './validity.js';

const judged = (overrides: Partial<Judgement>) => () => ({
  valid: true as Judgement['valid'],
  reasons: [],
  conclusions: [],
  invalidRuns: [],
  ...overrides,
});

describe('compose', () => {
  it('merges validity as Jepsen does (false over unknown over true) and keeps every finding in order', () => {
    const result = parseResult(syntheticResult());
    const unknown = judged({
      valid: 'unknown',
      reasons: ['r1'],
      invalidRuns: [{ run: 'a', reasons: ['x'] }],
    });
    const failed = judged({ valid: false, reasons: ['r2'], invalidRuns: [{ run: 'a', reasons: ['y'] }] });
    const said = findings(() => ['one finding']);
    expect(compose(said, unknown)(result).valid).toBe('unknown');
    const all = compose(said, unknown, failed)(result);
    expect(all.valid).toBe(false);
    expect(all.reasons).toEqual(['r1', 'r2']);
    expect(all.conclusions).toEqual(['one finding']);
    // one entry per run, with the reasons of every checker
    expect(all.invalidRuns).toEqual([{ run: 'a', reasons: ['x', 'y'] }]);
    expect(compose(said)(result).valid).toBe(true);
  });
});

describe('validityChecker', () => {
  it('trusts a plain result', () => {
    const judgement = validityChecker(parseResult(syntheticResult()));
    expect(judgement).toMatchObject({ valid: true, invalidRuns: [] });
  });

  it('distrusts a runner behind its schedule, percentiles out of order, and machine-bound or >110% counts', () => {
    const result = parseResult(syntheticResult());
    result.runs[0]!.validity = {
      valid: false,
      reasons: ['lag p99 42 ms > 5 ms'],
      schedulingLagP99Ms: 42,
      schedulingLagMaxMs: 50,
      boundP99Ms: 5,
    };
    result.runs[1]!.latencyMs = { ...result.runs[1]!.latencyMs!, p99: 1, p95: 9 };
    const limits = { replicaCpuCores: 0.25, redisCpuCores: 1, proxyCpuCores: 1, machineCores: 2 };
    result.capacity = {
      capped: true,
      limits,
      boundP99Ms: 250,
      steps: [],
      perReplicaCount: [
        { replicas: 1, maxSustainedDeliveriesPerS: 1_000, efficiency: 1, limiting: 'replica' },
        // today's 283% run: the one-replica baseline was starved
        { replicas: 2, maxSustainedDeliveriesPerS: 5_660, efficiency: 2.83, limiting: 'replica' },
        { replicas: 3, maxSustainedDeliveriesPerS: 2_900, efficiency: 0.97, limiting: 'machine' },
      ],
    };
    const judgement = validityChecker(result);
    expect(judgement.valid).toBe('unknown');
    expect(judgement.invalidRuns.map((entry) => entry.run)).toEqual([
      result.runs[0]!.label,
      result.runs[1]!.label,
      '2 replicas',
      '3 replicas',
    ]);
    expect(judgement.invalidRuns[0]!.reasons).toEqual(['lag p99 42 ms > 5 ms']);
    expect(judgement.invalidRuns[1]!.reasons[0]).toMatch(/^impossible: latency percentiles out of order/);
    expect(judgement.invalidRuns[2]!.reasons[0]).toMatch(/^impossible: efficiency 283% > 110%/);
    expect(judgement.invalidRuns[3]!.reasons[0]).toMatch(/^machine-bound/);
  });
});
