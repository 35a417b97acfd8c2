import { describe, expect, it } from 'vitest';
import { defaultHeadline } from '../report/default-headline.js';
import { parseResult } from '../report/schema.js';
import { renderSvg } from '../report/svg.js';
import { syntheticResult } from '../report/synthetic.js';
import { deadReplicaHeadline } from './dead-replica/headline.js';
import { failoverReplicaHeadline } from './failover-replica/headline.js';
import { EXPERIMENTS, interpretationOf } from './index.js';
import { lossyLinkHeadline } from './lossy-link/headline.js';
import { partitionHeadline } from './partition/headline.js';
import { proxyCompareHeadline } from './proxy-compare/headline.js';
import { scaleHeadline } from './scale/headline.js';

const HEADLINES = {
  'failover-replica': failoverReplicaHeadline,
  'proxy-compare': proxyCompareHeadline,
  scale: scaleHeadline,
  'dead-replica': deadReplicaHeadline,
  partition: partitionHeadline,
  'lossy-link': lossyLinkHeadline,
};

function resultOf(experiment: string) {
  return parseResult({ ...syntheticResult(), experiment });
}

describe('every experiment has a headline', () => {
  it('gives the headline and silent-fault experiments their own chart and the others the shared default', () => {
    for (const [name, experiment] of Object.entries(EXPERIMENTS))
      expect(experiment.headline, name).toBe(
        name in HEADLINES ? HEADLINES[name as keyof typeof HEADLINES] : defaultHeadline,
      );
    // a result of an experiment that no longer exists still renders
    expect(interpretationOf('gone').headline).toBe(defaultHeadline);
  });
});

describe('failover-replica headline', () => {
  it('draws reconnect p99 bars and p50 ticks per proxy × stickiness, with lost and duplicated above', async () => {
    const result = resultOf('failover-replica');
    const chart = HEADLINES['failover-replica'].chart(result)!;
    const svg = await renderSvg(chart.spec);
    expect(svg.split('aria-roledescription="bar"').length - 1).toBe(3);
    expect(svg.split('aria-roledescription="tick"').length - 1).toBe(3);
    expect(svg.split('>lost 10 · dup 2</text>').length - 1).toBe(3);
    for (const proxy of ['direct', 'haproxy', 'nginx']) expect(svg).toContain(`>${proxy}</text>`);
    const verdict = HEADLINES['failover-replica'].verdict(result);
    const haproxy = verdict.rows.find((row) => row.key === 'haproxy')!;
    const sorted = [...result.runs[1]!.reconnectMs].sort((a, b) => a - b);
    expect(haproxy.figures['reconnect p99 (ms)']).toBe(sorted[Math.ceil(0.99 * sorted.length) - 1]);
    expect(haproxy.figures).toMatchObject({ reconnected: 30, lost: 10, duplicated: 2, recovered: 40 });
  });
});

describe('proxy-compare headline', () => {
  it('plots p99 against offered load per path and gives each proxy its p99 over direct', async () => {
    const result = resultOf('proxy-compare');
    const faster = structuredClone(result.runs);
    // a second offered load: the same three paths at twice the rate
    for (const run of faster) {
      run.label = `${run.label} ×2`;
      run.parameters.ratePerPublisher = 20;
      run.latencyMs!.p99 *= 2;
    }
    const both = { ...result, runs: [...result.runs, ...faster] };
    const svg = await renderSvg(HEADLINES['proxy-compare'].chart(both)!.spec);
    // one line per path (3), a point per path and load (6)
    expect(svg.split('class="mark-line role-mark').length - 1).toBe(3);
    expect(svg.split('aria-roledescription="point"').length - 1).toBe(6);
    const verdict = HEADLINES['proxy-compare'].verdict(both);
    const nginx = verdict.rows.find((row) => row.key === 'nginx ×2')!;
    const direct = faster[0]!.latencyMs!.p99;
    expect(nginx.figures['offered msg/s']).toBe(100);
    expect(nginx.figures['p99 vs direct (ms)']).toBeCloseTo(faster[2]!.latencyMs!.p99 - direct, 9);
    expect(verdict.rows.find((row) => row.key === 'direct')!.figures['p99 vs direct (ms)']).toBeUndefined();
  });
});

describe('scale headline', () => {
  it('plots deliveries/s against replicas with the efficiency relative to one replica', async () => {
    const result = resultOf('scale');
    const verdict = HEADLINES.scale.verdict(result);
    const one = result.runs[0]!.deliveredPerS!;
    const three = result.runs[2]!.deliveredPerS!;
    expect(verdict.rows.map((row) => row.figures.replicas)).toEqual([1, 2, 3]);
    expect(verdict.rows[0]!.figures['efficiency (%)']).toBe(100);
    expect(verdict.rows[2]!.figures['efficiency (%)']).toBeCloseTo((three / (3 * one)) * 100, 9);
    const svg = await renderSvg(HEADLINES.scale.chart(result)!.spec);
    // the delivered line and the dashed efficiency line (one offered load)
    expect(svg.split('class="mark-line role-mark').length - 1).toBe(2);
    expect(svg).toContain('>efficiency</text>');
    expect(svg).toContain('>100%</text>');
  });
});

describe('scale headline of a capped run', () => {
  it("plots each measured count's max with its bracket, the model's line and the held-out prediction", async () => {
    const limits = { replicaCpuCores: 0.15, redisCpuCores: 1, proxyCpuCores: 1, machineCores: 2 };
    const unitCosts = {
      fanout: 25,
      replicaCpuMsPer1kDeliveries: 14,
      replicaCpuMsPer1kReceipts: 0,
      redisCpuUsPerPublish: 10,
      redisCpuUsPerReceipt: 2,
      proxyCpuMsPer1kDeliveries: 4.6,
      loadCpuMsPer1kDeliveries: 3,
      sustainableFraction: 0.9,
    };
    const result = parseResult({
      ...syntheticResult(),
      experiment: 'scale',
      capacity: {
        capped: true,
        limits,
        boundP99Ms: 250,
        steps: [],
        unitCosts,
        perReplicaCount: [
          {
            replicas: 1,
            maxSustainedDeliveriesPerS: 9_900,
            efficiency: 1,
            limiting: 'replica',
            bracket: { passingPerS: 10_000, failingPerS: 10_400 },
          },
          {
            replicas: 2,
            maxSustainedDeliveriesPerS: 18_800,
            efficiency: 0.95,
            limiting: 'replica',
            bracket: { passingPerS: 19_000, failingPerS: 19_900 },
          },
          {
            replicas: 3,
            maxSustainedDeliveriesPerS: 27_000,
            efficiency: 0.91,
            limiting: 'replica',
            bracket: { passingPerS: 27_200, failingPerS: 28_300 },
            predictedDeliveriesPerS: 28_000,
          },
          {
            replicas: 4,
            maxSustainedDeliveriesPerS: 0,
            efficiency: null,
            limiting: 'machine',
            bracket: null,
            notMeasured: 'machine-bound: not measured',
          },
        ],
        heldOut: {
          fittedOn: [1, 2],
          replicas: 3,
          predictedDeliveriesPerS: 28_000,
          measuredDeliveriesPerS: 27_000,
          errorPercent: 3.7,
        },
      },
    });
    const verdict = HEADLINES.scale.verdict(result);
    // the capacity section, not the individual load runs
    expect(verdict.rows.map((row) => row.key)).toEqual([
      '1 replica (limit: replica)',
      '2 replicas (limit: replica)',
      '3 replicas (limit: replica)',
      '4 replicas (limit: machine)',
    ]);
    expect(verdict.rows.map((row) => row.figures['bracket failing/s'])).toEqual([
      10_400,
      19_900,
      28_300,
      undefined,
    ]);
    expect(verdict.rows[3]!.figures['efficiency (%)']).toBeUndefined();
    const svg = await renderSvg(HEADLINES.scale.chart(result)!.spec);
    // the measured line and the model's line (over every count, the machine-bound one too)
    expect(svg.split('class="mark-line role-mark').length - 1).toBe(2);
    // one bar per bracketed count, none for the count not measured
    expect(svg.split('class="mark-rule role-mark').length - 1).toBe(1);
    expect(svg.split('aria-roledescription="rule mark"').length - 1).toBe(3);
    // a point per measured count, plus one square: the prediction held out for 3 replicas
    expect(svg.split('aria-roledescription="point"').length - 1).toBe(3 + 1);
  });
});
