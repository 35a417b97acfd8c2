import { describe, expect, it } from 'vitest';
import { ROOM_NAME_PATTERN } from '../../app/src/contracts/protocol.js';
import { GapAccounting } from './gap-accounting.js';
import { SCENARIO_NAMES, SCENARIOS } from './index.js';
import { newRunId, roomName, stickyRoomOf, urlIndexFor, withRoomParam } from './layout.js';
import { METRICS } from './metrics.js';
import { makePayload, paddingFor, readPayload } from './payload.js';
import { evaluateThresholds, toK6Threshold, toK6Thresholds } from './thresholds.js';

describe('scenario definitions', () => {
  it('every threshold names a catalogued metric', () => {
    for (const name of SCENARIO_NAMES) {
      for (const threshold of SCENARIOS[name].thresholds) expect(METRICS).toHaveProperty(threshold.metric);
    }
  });

  it('percentile thresholds only on distributions, value thresholds only on numbers', () => {
    for (const name of SCENARIO_NAMES) {
      for (const t of SCENARIOS[name].thresholds) {
        const isDistribution = METRICS[t.metric].kind === 'distribution';
        expect(t.stat === 'value', `${name}: ${t.metric} ${t.stat}`).toBe(!isDistribution);
      }
    }
  });
});

describe('thresholds', () => {
  it('evaluates each comparison and fails unmeasured metrics', () => {
    const outcomes = evaluateThresholds(
      [
        { metric: 'delivery_latency_ms', stat: 'p99', op: '<', value: 100 },
        { metric: 'messages_lost', stat: 'value', op: '==', value: 0 },
        { metric: 'server_memory_per_connection', stat: 'value', op: '<=', value: 10 },
      ],
      (metric) => ({ delivery_latency_ms: 99.9, messages_lost: 1 })[metric as string] ?? null,
    );
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, false]);
    expect(outcomes[2]!.actual).toBeNull();
  });

  it('converts to k6 syntax by metric kind', () => {
    expect(toK6Threshold({ metric: 'delivery_latency_ms', stat: 'p99', op: '<', value: 250 })).toBe(
      'p(99)<250',
    );
    expect(toK6Threshold({ metric: 'handshake_ms', stat: 'p50', op: '<=', value: 5 })).toBe('med<=5');
    expect(toK6Threshold({ metric: 'messages_lost', stat: 'value', op: '==', value: 0 })).toBe('count==0');
    expect(toK6Threshold({ metric: 'all_back_ms', stat: 'value', op: '<', value: 9 })).toBe('value<9');
    expect(toK6Thresholds(SCENARIOS.fanout.thresholds)).toEqual({
      delivery_latency_ms: ['p(99)<1000'],
      messages_lost: ['count==0'],
      messages_duplicated: ['count==0'],
      connect_failures: ['count==0'],
    });
  });
});

describe('payload', () => {
  it('pads the JSON of the data to about the requested size', () => {
    for (const bytes of [64, 256, 1024, 8192]) {
      const payload = makePayload('p12', 12345, 1_700_000_000_000.5, paddingFor('p12', bytes));
      expect(Math.abs(JSON.stringify(payload).length - bytes)).toBeLessThanOrEqual(8);
    }
    expect(paddingFor('p1', 1)).toBe('');
  });

  it('reads only well-formed payloads', () => {
    expect(readPayload({ p: 'p1', s: 3, t: 5, x: '' })).toEqual({ p: 'p1', s: 3, t: 5, x: '' });
    expect(readPayload({ p: 'p1', s: '3', t: 5 })).toBeNull();
    expect(readPayload('text')).toBeNull();
    expect(readPayload(null)).toBeNull();
  });
});

describe('layout', () => {
  it('room names are valid protocol rooms', () => {
    expect(roomName(newRunId(), 12)).toMatch(ROOM_NAME_PATTERN);
  });

  it('puts publishers on a different target than the subscribers of the same index', () => {
    expect(urlIndexFor('subscriber', 0, 2)).toBe(0);
    expect(urlIndexFor('publisher', 0, 2)).toBe(1);
    expect(urlIndexFor('publisher', 5, 1)).toBe(0);
  });

  it('adds room=<room> to the target URL for room stickiness, keeping the query and fragment', () => {
    expect(withRoomParam('ws://h:1/ws', 'lt-a-1')).toBe('ws://h:1/ws?room=lt-a-1');
    expect(withRoomParam('ws://h:1/ws?token=t', 'lt-a-1')).toBe('ws://h:1/ws?token=t&room=lt-a-1');
    expect(withRoomParam('ws://h:1/ws?', 'r')).toBe('ws://h:1/ws?room=r');
    expect(withRoomParam('ws://h:1/ws?a=1&', 'r')).toBe('ws://h:1/ws?a=1&room=r');
    expect(withRoomParam('ws://h:1/ws?a=1#f', 'r')).toBe('ws://h:1/ws?a=1&room=r#f');
    expect(withRoomParam('ws://h:1/ws', 'a b&c')).toBe('ws://h:1/ws?room=a%20b%26c');
    // The caller's own key wins; no room, no parameter.
    expect(withRoomParam('ws://h:1/ws?room=k0', 'r')).toBe('ws://h:1/ws?room=k0');
    expect(withRoomParam('ws://h:1/ws?x=1&room', 'r')).toBe('ws://h:1/ws?x=1&room');
    expect(withRoomParam('ws://h:1/ws?myroom=1', 'r')).toBe('ws://h:1/ws?myroom=1&room=r');
    expect(withRoomParam('ws://h:1/ws', undefined)).toBe('ws://h:1/ws');
  });

  it('keys a multi-room client on its first room', () => {
    expect(stickyRoomOf(['a', 'b'])).toBe('a');
    expect(stickyRoomOf(['a'])).toBe('a');
    expect(stickyRoomOf([])).toBeUndefined();
  });
});

describe('gap accounting (k6)', () => {
  it('counts duplicates, out-of-order deliveries and gaps below the highest sequence', () => {
    const accounting = new GapAccounting();
    const kinds = [1, 2, 4, 3, 3, 7].map((seq) => accounting.record('p0', seq));
    expect(kinds).toEqual(['new', 'new', 'new', 'out_of_order', 'duplicate', 'new']);
    accounting.record('p1', 2);
    // p0 misses 5 and 6; p1 misses 1.
    expect(accounting.gaps()).toBe(3);
  });
});
