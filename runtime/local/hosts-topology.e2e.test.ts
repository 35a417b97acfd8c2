import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProbeClient } from '../../loadtests/probe/probe-client.js';
import { LAB_HOST_BLOCK } from '../../topology/subnets.js';
import { runNetworkCommand } from '../hosts/command.js';
import { listNamespaces, listRootLinks } from '../hosts/sweep.js';
import { stopAll } from '../managed-process.js';
import { Topology } from './local-topology.js';

const root = mkdtempSync(join(tmpdir(), 'wslab-hosts-topology-'));

afterAll(async () => {
  await stopAll();
  rmSync(root, { recursive: true, force: true });
});

const CASES = [
  ['single Redis', 'single', { redis: 'h2' }],
  ['a 6-node Redis Cluster', 'cluster', {}],
] as const;

/**
 * The whole topology spread on three lab hosts (spec `hosts: 3`, layout of runtime/local/placement.ts):
 * proxies on h1, Redis on h2 (cluster nodes over h2 and h3), r1 on h2 and r2 on h3; clients here,
 * through the lab gateway. Stop leaves no namespace, gateway link or nftables table behind.
 */
describe('Topology on three lab hosts', () => {
  it.each(CASES)(
    '%s: serves through both proxies and fans out across hosts, then removes its network',
    async (_, redisMode, expected) => {
      const topology = await Topology.start({
        dir: join(root, redisMode),
        hosts: 3,
        proxy: 'both',
        replicas: 2,
        redisMode,
        auth: 'jwt',
        logLevel: 'warn',
        drainWindowMs: 500,
      });
      const network = topology.network;
      expect(network).toBeDefined();
      const namespaces = network!.namespaces();
      try {
        const token = await topology.clientToken();
        expect(network!.hosts.map((host) => host.name)).toEqual(['h1', 'h2', 'h3']);
        expect(topology.hostOf('haproxy')?.name).toBe('h1');
        expect(topology.hostOf('nginx')?.name).toBe('h1');
        expect(topology.hostOf('r1')?.name).toBe('h2');
        expect(topology.hostOf('r2')?.name).toBe('h3');
        if ('redis' in expected) expect(topology.hostOf('redis')?.name).toBe(expected.redis);
        for (const component of topology.components()) {
          expect(component.address.startsWith(`${LAB_HOST_BLOCK.firstOctets}.`)).toBe(true);
          expect(topology.hostOf(component.name)?.address).toBe(component.address);
          expect(component.url).toContain(component.address);
        }
        if (redisMode === 'cluster') {
          const nodeHosts = topology
            .components()
            .filter((component) => component.kind === 'redis')
            .map((component) => component.host);
          expect(new Set(nodeHosts)).toEqual(new Set(['h2', 'h3']));
        }

        for (const url of Object.values(topology.urls().proxies)) {
          expect(new URL(url).hostname).toBe(network!.host('h1').address);
          const client = await ProbeClient.connect(url, { ...(token ? { token } : {}), timeoutMs: 10_000 });
          expect(['r1', 'r2']).toContain(client.instance);
          client.close();
        }

        // a subscriber on r2 (h3) receives what is published on r1 (h2), through Redis on its host
        const subscriber = await ProbeClient.connect(topology.replica('r2').wsUrl, {
          ...(token ? { token } : {}),
        });
        const publisher = await ProbeClient.connect(topology.replica('r1').wsUrl, {
          ...(token ? { token } : {}),
        });
        expect([subscriber.instance, publisher.instance]).toEqual(['r2', 'r1']);
        await subscriber.join('across-hosts');
        publisher.send({ op: 'pub', room: 'across-hosts', data: 'from h2', id: 'p1' });
        const message = await subscriber.next((frame) => frame.op === 'msg', 10_000);
        expect(message).toMatchObject({ op: 'msg', room: 'across-hosts', data: 'from h2' });
        subscriber.close();
        publisher.close();
      } finally {
        await topology.stop();
      }
      const left = await listNamespaces();
      expect(namespaces.filter((namespace) => left.includes(namespace))).toEqual([]);
      expect(await listRootLinks()).not.toContain(network!.gatewayLink);
      // the nftables table lived in the switch namespace: it is gone with it
      const tables = await runNetworkCommand('nft', ['list', 'tables']);
      expect(tables).not.toContain('wslab_lab');
    },
    180_000,
  );
});

describe('Topology on lab hosts where namespaces cannot be made', () => {
  it('fails with the exact reason (here: no `ip` on the PATH), it never falls back to loopback', async () => {
    const path = process.env.PATH;
    process.env.PATH = join(root, 'no-tools');
    try {
      await expect(Topology.start({ dir: join(root, 'no-ip'), hosts: 2, replicas: 1 })).rejects.toThrow(
        'hosts 2: lab hosts need network namespaces (root, iproute2 `ip`, nftables `nft`), and making them failed: ip -o link show: not installed',
      );
    } finally {
      process.env.PATH = path;
    }
  });
});
