import { describe, expect, it } from 'vitest';
import { resolveTopologySpec } from '../../topology/spec.js';
import { placementFor } from './placement.js';

const layout = (hosts: number, redisMode: 'single' | 'cluster' | 'none' = 'single', replicas = 4) => {
  const placement = placementFor(resolveTopologySpec({ hosts, redisMode, replicas }));
  if (!placement) return undefined;
  return {
    hosts: placement.hosts,
    edge: placement.edge,
    redis: placement.redis,
    replicas: Array.from({ length: replicas }, (_, ordinal) => placement.replicaHost(ordinal)),
  };
};

describe('placementFor: which lab host runs what', () => {
  it('is none on one host (loopback, the default)', () => {
    expect(placementFor(resolveTopologySpec({}))).toBeUndefined();
    expect(layout(1)).toBeUndefined();
  });

  it('two hosts: proxies on the edge, Redis and every replica on h2', () => {
    expect(layout(2)).toEqual({
      hosts: ['h1', 'h2'],
      edge: 'h1',
      redis: ['h2'],
      replicas: ['h2', 'h2', 'h2', 'h2'],
    });
  });

  it('three hosts: replicas round-robin over h2 (with Redis) and h3', () => {
    expect(layout(3)).toEqual({
      hosts: ['h1', 'h2', 'h3'],
      edge: 'h1',
      redis: ['h2'],
      replicas: ['h2', 'h3', 'h2', 'h3'],
    });
  });

  it('four hosts and more: Redis alone on h2, replicas on the rest', () => {
    expect(layout(4)?.replicas).toEqual(['h3', 'h4', 'h3', 'h4']);
    expect(layout(5)?.replicas).toEqual(['h3', 'h4', 'h5', 'h3']);
    expect(layout(5)?.redis).toEqual(['h2']);
  });

  it('spreads the six cluster nodes over the back hosts; replicas share them', () => {
    expect(layout(3, 'cluster')).toEqual({
      hosts: ['h1', 'h2', 'h3'],
      edge: 'h1',
      redis: ['h2', 'h3', 'h2', 'h3', 'h2', 'h3'],
      replicas: ['h2', 'h3', 'h2', 'h3'],
    });
    expect(layout(4, 'cluster')?.redis).toEqual(['h2', 'h3', 'h4', 'h2', 'h3', 'h4']);
  });

  it('never puts a proxy host in the way of a replica-host fault', () => {
    for (const hosts of [2, 3, 4, 8]) {
      for (const mode of ['single', 'cluster'] as const) {
        const placed = layout(hosts, mode);
        expect(placed?.replicas).not.toContain('h1');
        expect(placed?.redis).not.toContain('h1');
      }
    }
  });

  it('without Redis (redisMode none) puts the one replica on h2', () => {
    expect(layout(2, 'none', 1)).toEqual({ hosts: ['h1', 'h2'], edge: 'h1', redis: [], replicas: ['h2'] });
  });
});
