import { describe, expect, it } from 'vitest';
import type { ComponentFootprint } from '../../observe/footprint.js';
import type { RunResultInput } from '../report/schema.js';
import { abuseConclusions } from './abuse.js';
import { outageConclusions } from './redis-outage.js';
import { soakTrends } from './soak.js';

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
  });
});

const run = (label: string, overrides: Partial<RunResultInput>): RunResultInput => ({
  label,
  parameters: {},
  durationMs: 1_000,
  messages: { published: 10, expected: 100, delivered: 100, lost: 0, duplicated: 0, recovered: 0 },
  ...overrides,
});

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
    expect(abuseConclusions([quiet, calm], []).at(-1)).toMatch(/^Verdict: met/);
    expect(abuseConclusions([quiet, hurt], []).at(-1)).toMatch(/^Verdict: NOT met/);
    expect(abuseConclusions([quiet, calm], ['r1']).at(-1)).toMatch(/^Verdict: NOT met/);
  });

  it('redis-outage: met only when every replica was ready within 5 s and nothing acked was lost', () => {
    const metrics = { 'readyAfterRedisBackMs.r1': 400, 'readyAfterRedisBackMs.r2': 4_900 };
    expect(outageConclusions(run('outage', { metrics }), []).at(-1)).toMatch(/^Verdict: met/);
    const slow = { ...metrics, 'readyAfterRedisBackMs.r2': 5_100 };
    expect(outageConclusions(run('outage', { metrics: slow }), []).at(-1)).toMatch(/^Verdict: NOT met/);
    const lossy = run('outage', {
      metrics,
      messages: { published: 10, expected: 100, delivered: 99, lost: 1, duplicated: 0, recovered: 0 },
    });
    expect(outageConclusions(lossy, []).at(-1)).toMatch(/^Verdict: NOT met/);
  });
});
