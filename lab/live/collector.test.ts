import { describe, expect, it } from 'vitest';
import type { ResourcePass } from '../../observe/samples.js';
import { LiveCollector, type LiveSource } from './collector.js';

/** A source with no replicas and a hand-driven sample stream: the collector reads CPU only from it. */
function fakeSource() {
  const listeners = new Set<(pass: ResourcePass) => void>();
  const pass: ResourcePass = {
    atMs: Date.now(),
    components: [
      { component: 'r1', kind: 'replica', pid: 11, cpuSeconds: 1, cpuPercent: 42.26, rssBytes: 1 },
      { component: 'haproxy', kind: 'haproxy', pid: 12, cpuSeconds: 1, cpuPercent: 3, rssBytes: 1 },
    ],
  };
  const source: LiveSource = {
    replicas: () => [],
    resources: {
      subscribe: (listener) => {
        listeners.add(listener);
        return () => {
          listeners.delete(listener);
        };
      },
      sampleNow: async () => pass,
    },
  };
  const emit = () => {
    for (const listener of listeners) listener(pass);
  };
  return { source, listeners, emit };
}

describe('LiveCollector', () => {
  it("shows each component's CPU from the source's sample stream, and leaves it on detach", async () => {
    const collector = new LiveCollector();
    const { source, listeners, emit } = fakeSource();
    collector.attach(source);
    expect(listeners.size).toBe(1);
    await collector.sample();
    expect(collector.backlog().history.at(-1)?.cpu).toEqual([]);
    emit();
    await collector.sample();
    expect(collector.backlog().history.at(-1)?.cpu).toEqual([
      { component: 'r1', kind: 'replica', percent: 42.3 },
      { component: 'haproxy', kind: 'haproxy', percent: 3 },
    ]);
    collector.detach();
    expect(listeners.size).toBe(0);
    await collector.stop();
  });
});
