import { describe, expect, it } from 'vitest';
import { connectedTimeline, spreadOf } from './connections.js';
import { metricValue } from './prometheus.js';

const EXPOSITION = `# HELP wslab_connections_open Open WebSocket connections
# TYPE wslab_connections_open gauge
wslab_connections_open{instance="r1"} 12
wslab_connections_open_total{instance="r1"} 99
haproxy_frontend_current_sessions{proxy="ws_in"} 7
haproxy_frontend_current_sessions{proxy="stats"} 1
`;

describe('metricValue', () => {
  it('reads exact names, sums label sets, filters by label', () => {
    expect(metricValue(EXPOSITION, 'wslab_connections_open')).toBe(12);
    expect(metricValue(EXPOSITION, 'haproxy_frontend_current_sessions')).toBe(8);
    expect(metricValue(EXPOSITION, 'haproxy_frontend_current_sessions', 'proxy="ws_in"')).toBe(7);
    expect(metricValue(EXPOSITION, 'wslab_missing')).toBeUndefined();
  });
});

describe('spread', () => {
  it('is 1 when even and grows with imbalance', () => {
    expect(spreadOf([10, 10, 10])).toEqual({ maxOverMean: 1, coefficientOfVariation: 0 });
    expect(spreadOf([30, 0, 0]).maxOverMean).toBe(3);
    expect(spreadOf([])).toEqual({ maxOverMean: 0, coefficientOfVariation: 0 });
  });

  it('sums replicas per poll into a connected timeline', () => {
    expect(
      connectedTimeline([
        { tMs: 500, replica: 'r1', connections: 3 },
        { tMs: 0, replica: 'r1', connections: 1 },
        { tMs: 500, replica: 'r2', connections: 4 },
      ]),
    ).toEqual([
      { tMs: 0, connected: 1 },
      { tMs: 500, connected: 7 },
    ]);
  });
});

describe('prometheus text', () => {
  it('reads unlabelled and labelled samples (the runner reads process_* through it)', () => {
    const text = '# HELP x\nprocess_cpu_seconds_total 12.5\nprocess_resident_memory_bytes{a="b"} 1.5e+07\n';
    expect(metricValue(text, 'process_cpu_seconds_total')).toBe(12.5);
    expect(metricValue(text, 'process_resident_memory_bytes')).toBe(15_000_000);
    expect(metricValue(text, 'nope')).toBeUndefined();
  });
});
