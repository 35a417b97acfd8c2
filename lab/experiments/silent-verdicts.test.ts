import { describe, expect, it } from 'vitest';
import { parseResult, type RunResultInput } from '../report/schema.js';
import { syntheticResult } from '../report/synthetic.js';
import { deadReplicaChecker } from './dead-replica/checker.js';
import { deadReplicaHeadline } from './dead-replica/headline.js';
import { lossyLinkChecker } from './lossy-link/checker.js';
import { partitionChecker } from './partition/checker.js';
import { partitionHeadline } from './partition/headline.js';

const back = { struckClients: 5, neverBack: 0, backMsMax: 6_000, backMsP50: 4_000, ackedLost: 0, acked: 80 };

const run = (label: string, parameters: RunResultInput['parameters'], metrics: Record<string, number>) =>
  ({ label, parameters, durationMs: 1_000, metrics }) satisfies RunResultInput;

const resultOf = (runs: RunResultInput[]) => parseResult({ ...syntheticResult(), runs });

const deaths = (metrics: Record<string, number>, setting = 'defaults') =>
  ['kill', 'freeze', 'blackhole'].flatMap((death) =>
    ['haproxy', 'nginx'].map((proxy) => run(`${proxy} ${death}`, { proxy, death, setting }, metrics)),
  );

describe('silent-fault verdicts', () => {
  it('dead-replica: met when every client is back within 10 s with the defaults and nothing is lost', () => {
    const judgement = deadReplicaChecker(resultOf(deaths(back)));
    expect(judgement.valid).toBe(true);
    expect(judgement.conclusions[0]).toContain('all 5 clients back within 6.0 s');
    // the table the report opens with: one row per run, the figures in seconds
    const verdict = deadReplicaHeadline.verdict(resultOf(deaths(back)));
    expect(verdict.rows).toHaveLength(6);
    expect(verdict.rows[0]!.figures['last back (s)']).toBe(6);
    expect(deadReplicaHeadline.chart(resultOf(deaths(back)))).toBeDefined();
  });

  it('dead-replica: NOT met for a client back after 10 s, one never back, or an acked message lost', () => {
    const slow = deadReplicaChecker(resultOf(deaths({ ...back, backMsMax: 10_500 })));
    expect(slow.valid).toBe(false);
    expect(slow.reasons[0]).toContain('after 10.5 s, over 10.0 s');
    const never = deadReplicaChecker(resultOf(deaths({ ...back, neverBack: 1 })));
    expect(never.valid).toBe(false);
    expect(never.reasons[0]).toContain('1 of 5 clients never received again');
    const lost = deadReplicaChecker(resultOf(deaths({ ...back, ackedLost: 3 })));
    expect(lost.valid).toBe(false);
    expect(lost.reasons).toContain('haproxy kill: 3 acknowledged messages lost');
    // other settings are described, not held to the bound; lost counts everywhere
    const other = [...deaths(back), ...deaths({ ...back, backMsMax: 60_000 }, 'tunnel 60 s')];
    expect(deadReplicaChecker(resultOf(other)).valid).toBe(true);
  });

  it('dead-replica: a missing death fails, a run with no client on the struck replica cannot be trusted', () => {
    const noBlackhole = deaths(back).filter((entry) => entry.parameters?.death !== 'blackhole');
    expect(deadReplicaChecker(resultOf(noBlackhole)).reasons).toContain(
      'no run of blackhole: the table is incomplete',
    );
    const empty = deaths(back).map((entry, index) =>
      index === 0 ? { ...entry, metrics: { ...back, struckClients: 0 } } : entry,
    );
    const judgement = deadReplicaChecker(resultOf(empty));
    expect(judgement.valid).toBe('unknown');
    expect(judgement.invalidRuns[0]!.run).toBe('haproxy kill');
  });

  it('partition: the bound holds for one replica cut off; a cut of every replica is described only', () => {
    const one = (metrics: Record<string, number>) =>
      ['haproxy', 'nginx'].map((proxy) =>
        run(`${proxy}, r2 cut off from redis`, { proxy, cut: 'one', bounded: true }, metrics),
      );
    const all = run(
      'haproxy, r1 + r2 | redis',
      { proxy: 'haproxy', cut: 'all', bounded: false },
      {
        ...back,
        backMsMax: 21_000,
      },
    );
    const met = partitionChecker(resultOf([...one({ ...back, unreadyAfterMs: 2_500 }), all]));
    expect(met.valid).toBe(true);
    expect(met.conclusions[0]).toContain('/readyz of the cut replica dropped 2.5 s into the cut');
    expect(partitionChecker(resultOf(one({ ...back, backMsMax: 30_000 }))).valid).toBe(false);
    expect(partitionChecker(resultOf(one({ ...back, ackedLost: 1 }))).valid).toBe(false);
    expect(partitionChecker(resultOf([all])).valid).toBe(false);
    const verdict = partitionHeadline.verdict(resultOf(one({ ...back, unreadyAfterMs: 2_500 })));
    expect(verdict.rows[0]!.figures['unready after (s)']).toBe(2.5);
  });

  it('lossy-link: met when nothing acked is lost; a run without latency cannot be trusted', () => {
    const latencyMs = { count: 100, mean: 5, p50: 3, p95: 40, p99: 210, max: 400 };
    const lossy = (metrics: Record<string, number>) => ({
      ...run('nginx, loss 5%', { proxy: 'nginx', link: 'loss 5%' }, metrics),
      latencyMs,
    });
    const met = lossyLinkChecker(resultOf([lossy({ ackedLost: 0, acked: 50, 'closes.1013': 2 })]));
    expect(met.valid).toBe(true);
    expect(met.conclusions[0]).toContain('p99 210 ms');
    expect(met.conclusions[0]).toContain('2 slow-consumer closes (1013');
    expect(lossyLinkChecker(resultOf([lossy({ ackedLost: 4, acked: 50 })])).valid).toBe(false);
    const silent = run('haproxy, thin', { proxy: 'haproxy' }, { ackedLost: 0 });
    expect(lossyLinkChecker(resultOf([silent])).valid).toBe('unknown');
  });
});
