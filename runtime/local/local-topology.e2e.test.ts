import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  alivePids,
  closeSocket,
  connectHello,
  openPorts,
  topologyPids,
  topologyPorts,
} from '../../test-support/lab/helpers.js';
import type { TopologySpecInput } from '../../topology/spec.js';
import { liveProcessCount, stopAll } from '../managed-process.js';
import { redisCli } from '../redis.js';
import { Topology } from './local-topology.js';

const root = mkdtempSync(join(tmpdir(), 'wslab-topology-'));

afterAll(async () => {
  await stopAll();
  rmSync(root, { recursive: true, force: true });
});

const TOPOLOGIES: [string, TopologySpecInput][] = [
  ['no proxy, single Redis', { proxy: 'none', replicas: 1, redisMode: 'single' }],
  ['HAProxy, no Redis (in-process bus)', { proxy: 'haproxy', replicas: 1, redisMode: 'none' }],
  ['HAProxy, 2 replicas', { proxy: 'haproxy', replicas: 2, redisMode: 'single', stickiness: 'cookie' }],
  [
    'Nginx, history off',
    { proxy: 'nginx', replicas: 1, redisMode: 'single', stickiness: 'none', history: false },
  ],
  [
    'both proxies on a 6-node Redis Cluster',
    { proxy: 'both', replicas: 2, redisMode: 'cluster', stickiness: 'room' },
  ],
];

describe('Topology up/down', () => {
  it.each(TOPOLOGIES)(
    '%s: serves through every entry point, then leaves no process and no port',
    async (_, options) => {
      const before = liveProcessCount();
      const topology = await Topology.start({ ...options, dir: join(root, String(Math.random()).slice(2)) });
      const pids = await topologyPids(topology);
      const ports = topologyPorts(topology);
      const expectedProcesses = topology.plan.redis.nodes + (options.replicas ?? 0) + topology.proxies.length;
      expect(topology.plan.redis.nodes).toBe(
        { single: 1, cluster: 6, none: 0 }[options.redisMode ?? 'single'],
      );
      expect(topology.components()).toHaveLength(expectedProcesses);
      expect(alivePids(pids)).toEqual(pids);
      expect(await openPorts(ports)).toEqual(ports);

      const urls = topology.urls();
      for (const url of [...urls.direct, ...Object.values(urls.proxies)]) {
        const { socket, instance } = await connectHello(url);
        expect(topology.replicas.map((slot) => slot.id)).toContain(instance);
        await closeSocket(socket);
      }
      // Redis requires the topology's password (replicas above reached it with it); without: NOAUTH.
      for (const port of topology.redisPorts()) {
        expect(await redisCli(port, ['PING'])).toMatch(/NOAUTH/);
        expect((await redisCli(port, ['PING'], topology.redisPassword)).trim()).toBe('PONG');
      }

      await topology.stop();
      expect(alivePids(pids)).toEqual([]);
      expect(await openPorts(ports)).toEqual([]);
      expect(liveProcessCount()).toBe(before);
    },
  );
});
