import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProbeClient } from '../../loadtests/probe/probe-client.js';
import { runScenario } from '../../loadtests/runner/index.js';
import { stopAll } from '../managed-process.js';
import { Topology } from './local-topology.js';

const root = mkdtempSync(join(tmpdir(), 'wslab-hosts-clients-'));
const PER_ADDRESS = 2;

/** Remote addresses of the connections established to `port` on a lab host, as the proxy sees them (`ss` in its namespace). */
async function peersOf(topology: Topology, component: string, port: number): Promise<string[]> {
  const host = topology.hostOf(component);
  if (!host) throw new Error(`${component} has no lab host`);
  const text = await host.exec('ss', ['-Htn', 'state', 'established', `( sport = :${port} )`]);
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => line.trim().split(/\s+/).at(-1)?.split(':')[0] ?? '');
}

/**
 * Clients from addresses of their own (`topology.clientAddresses`): on lab hosts each address is a
 * distinct client to the proxies, so their per-address limit counts each one apart.
 */
describe('lab clients from distinct source addresses', () => {
  let topology: Topology;
  let token: string | undefined;
  beforeAll(async () => {
    topology = await Topology.start({
      dir: root,
      hosts: 2,
      proxy: 'both',
      replicas: 1,
      auth: 'jwt',
      logLevel: 'warn',
      drainWindowMs: 500,
      proxyConnectionsPerAddress: PER_ADDRESS,
      hostCpuCores: 1.5,
    });
    token = await topology.clientToken();
  }, 120_000);
  afterAll(async () => {
    await topology?.stop();
    await stopAll();
    rmSync(root, { recursive: true, force: true });
  });

  it('gives each host its CPU budget (spec hostCpuCores): a cgroup parent its processes run under', () => {
    for (const host of topology.network!.hosts) {
      if (!host.cgroup)
        throw new Error('no usable cgroups on this machine: a lab host needs them for its CPU budget');
      const dir = host.cgroup.dirs[0]!;
      const quota =
        host.cgroup.support.kind === 'v2'
          ? readFileSync(join(dir, 'cpu.max'), 'utf8')
          : readFileSync(join(dir, 'cpu.cfs_quota_us'), 'utf8');
      expect(quota).toMatch(/^150000\b/);
    }
    const edgeLeaf = topology.network!.host('h1').cgroup!.dirs[0]!.split('/').at(-1)!;
    expect(readFileSync(`/proc/${topology.proxy('haproxy').pid}/cgroup`, 'utf8')).toContain(`/${edgeLeaf}/`);
  });

  it('gives distinct lab addresses beside the gateway, the same ones on a second ask', async () => {
    const addresses = await topology.clientAddresses(3);
    expect(new Set(addresses).size).toBe(3);
    for (const address of addresses) {
      expect(address.startsWith(topology.network!.gateway.split('.').slice(0, 3).join('.'))).toBe(true);
    }
    expect(await topology.clientAddresses(2)).toEqual(addresses.slice(0, 2));
  });

  it.each(['haproxy', 'nginx'] as const)(
    '%s sees each source address apart: its per-address limit refuses one address, not the others',
    async (kind) => {
      const [first, second, third] = await topology.clientAddresses(3);
      const url = topology.proxy(kind).wsUrl;
      const connect = (localAddress: string) =>
        ProbeClient.connect(url, { ...(token ? { token } : {}), localAddress, timeoutMs: 10_000 });
      const open: ProbeClient[] = [];
      try {
        for (let index = 0; index < PER_ADDRESS; index += 1) open.push(await connect(first!));
        await expect(connect(first!)).rejects.toThrow(/429/);
        open.push(await connect(second!), await connect(third!));
        const peers = await peersOf(topology, kind, topology.proxy(kind).port);
        expect(peers.filter((peer) => peer === first)).toHaveLength(PER_ADDRESS);
        expect(peers).toContain(second);
        expect(peers).toContain(third);
      } finally {
        for (const client of open) client.close();
      }
    },
  );

  it('the load runner binds them: the proxy sees one connection from each address', async () => {
    const addresses = await topology.clientAddresses(4);
    const proxy = topology.proxy('haproxy');
    let peers: string[] = [];
    const result = await runScenario(
      'fanout',
      {
        subscribers: 3,
        publishers: 1,
        rooms: 1,
        ratePerPublisher: 5,
        durationMs: 300,
        settleTimeoutMs: 2_000,
      },
      { url: proxy.wsUrl, ...(token ? { token } : {}) },
      {
        inline: true,
        progress: false,
        sourceAddresses: addresses,
        hooks: {
          onReady: async () => {
            peers = await peersOf(topology, 'haproxy', proxy.port);
          },
        },
      },
    );
    expect(result.passed).toBe(true);
    expect(peers.sort()).toEqual([...addresses].sort());
  });
});
