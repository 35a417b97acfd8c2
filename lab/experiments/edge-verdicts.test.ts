import { describe, expect, it } from 'vitest';
import type { ComponentFootprint } from '../../observe/footprint.js';
import { parseResult, type RunResultInput } from '../report/schema.js';
import { syntheticResult } from '../report/synthetic.js';
import { abuseChecker } from './abuse/checker.js';
import { outageChecker } from './redis-outage/checker.js';
import { growingSeries } from './soak/checker.js';
import { soakTrends } from './soak/experiment.js';

const footprint = (component: string, rssMiB: number, fds: number): ComponentFootprint => ({
  component,
  kind: 'replica',
  pid: 1,
  rssBytes: rssMiB * 1_048_576,
  fds,
});

describe('soakTrends', () => {
  it('flags a component whose RSS grows after warm-up and ignores growth during warm-up', () => {
    const samples = Array.from({ length: 11 }, (_, minute) => ({
      tMs: minute * 60_000,
      // r1 jumps during warm-up (first minute), then stays flat; r2 leaks 3 MiB a minute
      footprints: [footprint('r1', minute === 0 ? 20 : 80, 30), footprint('r2', 80 + minute * 3, 30)],
    }));
    const { metrics, growing } = soakTrends(samples, 60_000);
    expect(growing).toEqual(['r2 rssMiB +30.00/10 min']);
    expect(metrics['growthPer10Min.rssMiB.r1']).toBe(0);
    expect(metrics['growthPer10Min.rssMiB.r2']).toBeCloseTo(30);
    expect(metrics['growthPer10Min.fds.r2']).toBe(0);
    // the checker finds the same from the stored slopes and means alone
    expect(growingSeries({ metrics })).toEqual(growing);
  });
});

const run = (label: string, overrides: Partial<RunResultInput>): RunResultInput => ({
  label,
  parameters: {},
  durationMs: 1_000,
  messages: { published: 10, expected: 100, delivered: 100, lost: 0, duplicated: 0, recovered: 0 },
  ...overrides,
});

/** A result of `runs` (and components restarted unasked), as result.json holds it. */
const resultOf = (runs: RunResultInput[], restarted: string[] = []) =>
  parseResult({ ...syntheticResult(), runs, restarted });

describe('verdicts', () => {
  it('abuse: met only when storm p99 is within 2× of quiet and nothing was lost or restarted', () => {
    const quiet = run('haproxy quiet', {
      latencyMs: { p50: 5, p95: 9, p99: 10, max: 15, mean: 6, count: 100 },
    });
    const calm = run('haproxy storm', {
      latencyMs: { p50: 6, p95: 10, p99: 19, max: 30, mean: 7, count: 100 },
    });
    const hurt = run('haproxy storm', {
      latencyMs: { p50: 6, p95: 10, p99: 21, max: 30, mean: 7, count: 100 },
    });
    expect(abuseChecker(resultOf([quiet, calm])).valid).toBe(true);
    expect(abuseChecker(resultOf([quiet, hurt])).valid).toBe(false);
    expect(abuseChecker(resultOf([quiet, calm], ['r1'])).valid).toBe(false);
  });

  it('redis-outage: met only when every replica was ready within 5 s and nothing acked was lost', () => {
    const metrics = { 'readyAfterRedisBackMs.r1': 400, 'readyAfterRedisBackMs.r2': 4_900 };
    expect(outageChecker(resultOf([run('outage', { metrics })])).valid).toBe(true);
    // Redis is restarted on purpose: only other restarts fail the target
    expect(outageChecker(resultOf([run('outage', { metrics })], ['redis'])).valid).toBe(true);
    expect(outageChecker(resultOf([run('outage', { metrics })], ['r1'])).valid).toBe(false);
    const slow = { ...metrics, 'readyAfterRedisBackMs.r2': 5_100 };
    expect(outageChecker(resultOf([run('outage', { metrics: slow })])).valid).toBe(false);
    const lossy = run('outage', {
      metrics,
      messages: { published: 10, expected: 100, delivered: 99, lost: 1, duplicated: 0, recovered: 0 },
    });
    expect(outageChecker(resultOf([lossy])).valid).toBe(false);
  });
});
