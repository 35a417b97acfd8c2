import { describe, expect, it } from 'vitest';
import {
  connectionsAt,
  describeCounts,
  describePlacement,
  peakConnections,
  reconnectPercentiles,
} from './describe-run.js';

const run = {
  label: 'x',
  reconnectMs: [10, 20, 30, 40],
  connectionsPerReplica: [
    { tMs: 0, replica: 'r1', connections: 0 },
    { tMs: 0, replica: 'r2', connections: 0 },
    { tMs: 500, replica: 'r1', connections: 10 },
    { tMs: 500, replica: 'r2', connections: 10 },
    { tMs: 1000, replica: 'r2', connections: 20 },
    { tMs: 1500, replica: 'r2', connections: 2 },
  ],
};

describe('conclusion helpers', () => {
  it('finds the steady state, not the ramp or the close', () => {
    expect(peakConnections(run)).toEqual({ r2: 20 });
    expect(peakConnections(run, 0, 1000)).toEqual({ r1: 10, r2: 10 });
    expect(connectionsAt(run, 600)).toEqual({ r1: 10, r2: 10 });
    expect(describeCounts({ r1: 1, r2: 2 })).toBe('r1 1, r2 2');
  });

  it('summarises reconnects', () => {
    expect(reconnectPercentiles(run)).toEqual({ p50: 20, p99: 40, count: 4 });
    expect(reconnectPercentiles({ label: 'none' })).toBeUndefined();
  });

  it('describes where reconnects landed, or nothing when nobody reconnected', () => {
    const placed = { label: 'p', metrics: { reconnectsSameReplica: 3, reconnectsOtherReplica: 9 } };
    expect(describePlacement(placed)).toBe('; reconnects: 3 back on the replica they left, 9 on another');
    expect(describePlacement({ label: 'none' })).toBe('');
  });
});
