import { describe, expect, it } from 'vitest';
import type { ScenarioResult } from '../../../loadtests/runner/result.js';
import { clientCount, clientEventsFrom, runFiguresFrom } from './run-figures.js';

const distribution = (p50: number) => ({
  kind: 'distribution' as const,
  unit: 'ms' as const,
  description: '',
  count: 100,
  min: 1,
  mean: p50,
  p50,
  p90: p50 * 2,
  p95: p50 * 3,
  p99: p50 * 4,
  p999: p50 * 5,
  max: p50 * 6,
});
const scalar = (value: number | null) => ({
  kind: 'counter' as const,
  unit: 'count' as const,
  value,
  description: '',
});

function result(): ScenarioResult {
  return {
    schema: 'wslab.loadtest.result',
    version: 1,
    scenario: 'failover',
    runId: 'abc',
    startedAt: new Date(0).toISOString(),
    finishedAt: new Date(10_000).toISOString(),
    wallMs: 10_000,
    parameters: { durationMs: 4_000, publishers: 1, subscribers: 2 },
    target: { label: null, urls: ['ws://127.0.0.1:1/ws'], serverPids: [], metricsUrls: [] },
    environment: {
      node: 'v20',
      platform: 'linux',
      arch: 'x64',
      cpus: 2,
      cpuModel: 'x',
      totalMemoryBytes: 1,
      hostname: 'h',
      loadAverage: [0, 0, 0],
      shards: 1,
      shardMode: 'inline',
    },
    metrics: {
      delivery_latency_ms: {
        ...distribution(2),
        percentiles: [
          { percentile: 50, ms: 2 },
          { percentile: 99.99, ms: 9.5 },
          { percentile: 100, ms: 12 },
        ],
      },
      messages_published: scalar(200),
      messages_expected: scalar(2_000),
      messages_delivered: scalar(1_990),
      messages_lost: scalar(10),
      messages_duplicated: scalar(0),
      messages_recovered: scalar(5),
      delivered_per_s: { ...scalar(497.5), kind: 'rate', unit: 'msg/s' },
      all_back_ms: { ...scalar(null), kind: 'gauge' },
    },
    timeline: [],
    outages: {
      total: 3,
      truncated: 0,
      records: [
        {
          role: 'subscriber',
          client: 1,
          downAtMs: 100,
          closeCode: 1006,
          attempts: 1,
          reopenedAtMs: 150,
          rejoinedAtMs: 180,
          firstMessageAtMs: 200,
          url: null,
        },
        {
          role: 'publisher',
          client: 0,
          downAtMs: 100,
          closeCode: 1006,
          attempts: 1,
          reopenedAtMs: 140,
          rejoinedAtMs: null,
          firstMessageAtMs: null,
          url: null,
        },
        {
          role: 'subscriber',
          client: 2,
          downAtMs: 100,
          closeCode: 1006,
          attempts: 9,
          reopenedAtMs: null,
          rejoinedAtMs: null,
          firstMessageAtMs: null,
          url: null,
        },
      ],
    },
    thresholds: [],
    passed: true,
  };
}

describe('runFiguresFrom', () => {
  it('keeps latency, its percentile series, rates, exact message counts and per-client reconnect times', () => {
    const figures = runFiguresFrom(result(), 0);
    expect(figures.latencyMs).toEqual({ count: 100, mean: 2, p50: 2, p95: 6, p99: 8, max: 12 });
    expect(figures.latencyPercentiles).toEqual([
      { percentile: 50, latencyMs: 2 },
      { percentile: 99.99, latencyMs: 9.5 },
      { percentile: 100, latencyMs: 12 },
    ]);
    expect(figures.publishedPerS).toBe(50);
    expect(figures.deliveredPerS).toBe(497.5);
    expect(figures.messages).toEqual({
      published: 200,
      expected: 2_000,
      delivered: 1_990,
      lost: 10,
      duplicated: 0,
      recovered: 5,
    });
    // subscribers are back when re-joined, publishers when reopened; one never came back
    expect(figures.reconnectMs).toEqual([80, 40]);
    // an unmeasured figure (null) is left out rather than reported as 0
    expect(figures.metrics).not.toHaveProperty('all_back_ms');
    // counts with a typed field are not repeated among the metrics
    expect(figures.metrics).not.toHaveProperty('messages_lost');
  });

  it('puts every other measured scalar of the runner into metrics under its runner name', () => {
    const withNew = result();
    // a figure the runner gained: nothing in the lab names it, yet result.json has it
    withNew.metrics.messages_out_of_order = scalar(3);
    expect(runFiguresFrom(withNew, 0).metrics).toEqual({ messages_out_of_order: 3 });
  });
});

describe('clientEventsFrom', () => {
  it('turns outage records into per-millisecond events relative to the run start', () => {
    // the run started 40 ms before the first socket closed
    const events = clientEventsFrom(result(), 60);
    expect(events).toEqual([
      { tMs: 40, kind: 'disconnect', count: 3 },
      { tMs: 80, kind: 'reconnect', count: 1 },
      { tMs: 90, kind: 'reconnect', count: 1 },
      // publishers have no rooms to re-join: only subscribers resume
      { tMs: 120, kind: 'resume', count: 1 },
      { tMs: 140, kind: 'first-message', count: 1 },
    ]);
    expect(clientCount(result())).toBe(3);
  });
});
