import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logOf, startTool } from '../../test-support/hosts/tools.js';
import { LAB_HOST_BLOCK, labSubnet } from '../../topology/subnets.js';
import { cgroupSupport } from '../cgroup-support.js';
import { ManagedProcess, stopAll } from '../managed-process.js';
import { waitFor } from '../wait-for.js';
import { runNetworkCommand } from './command.js';
import { LabNetwork } from './lab-network.js';
import { listNamespaces, listRootLinks, removeStaleLabNetworks } from './sweep.js';

const HOLDER = fileURLToPath(new URL('../../test-support/hosts/network-holder.ts', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'wslab-hosts-'));
const CAP_MBIT_PER_S = 4;
const TRANSFER_BYTES = 1_000_000;

function tcpTool(name: string, args: string[], host?: LabNetwork['hosts'][number]): ManagedProcess {
  return startTool(name, args, join(root, 'logs'), host);
}

/** Receives everything a `send` server on `host:port` sends; resolves with the Mbit/s it took. */
function receiveMbitPerS(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const startedAtMs = performance.now();
    let received = 0;
    const socket = connect({ host, port });
    socket.on('data', (chunk) => {
      received += chunk.length;
    });
    socket.on('end', () => {
      if (received !== TRANSFER_BYTES) reject(new Error(`received ${received} of ${TRANSFER_BYTES} bytes`));
      else resolve((received * 8) / 1e6 / ((performance.now() - startedAtMs) / 1000));
    });
    socket.on('error', reject);
  });
}

describe('lab hosts: namespaces on a lab bridge', () => {
  let network: LabNetwork;
  beforeAll(async () => {
    network = await LabNetwork.create({
      name: 'hoststest',
      hosts: [{ name: 'a' }, { name: 'b', cpuCores: 0.5 }, { name: 'c', bandwidthMbitPerS: CAP_MBIT_PER_S }],
    });
  });
  afterAll(async () => {
    await stopAll();
    await network?.remove();
    rmSync(root, { recursive: true, force: true });
  });

  it('gives each host the address its network declares, from LAB_HOST_BLOCK', async () => {
    const third = Number(network.gateway.split('.')[2]);
    expect(network.gateway.startsWith(`${LAB_HOST_BLOCK.firstOctets}.`)).toBe(true);
    expect(network.subnet).toBe(labSubnet(third).subnet);
    for (const [index, host] of network.hosts.entries()) {
      expect(host.address).toBe(labSubnet(third).host(index));
      const shown = await host.exec('ip', ['-4', '-o', 'addr', 'show', 'dev', host.link]);
      expect(shown).toContain(`inet ${host.address}/24`);
    }
  });

  it('refuses a second network of the same name in one process (names must stay unique)', async () => {
    await expect(LabNetwork.create({ name: 'hoststest', hosts: [{ name: 'z' }] })).rejects.toThrow(
      'lab network "hoststest" already exists in this process',
    );
  });

  it('carries TCP between two hosts, and the server sees the client host address', async () => {
    const server = tcpTool('echo-b', ['echo', '7000'], network.host('b'));
    await waitFor(() => logOf(server).includes('listening'), {
      timeoutMs: 30_000,
      description: 'echo server on b',
    });
    const client = tcpTool('client-a', ['connect', network.host('b').address, '7000'], network.host('a'));
    expect((await client.exited).code).toBe(0);
    // the log is written from a pipe: it may land just after the exit
    await waitFor(() => logOf(client).includes('got ping'), {
      description: `"got ping" in ${client.logPath}`,
    });
    await waitFor(() => logOf(server).includes(`peer ${network.host('a').address}`), {
      description: 'the client host address seen by the server',
    });
    // the lab's own processes reach hosts through the gateway
    const fromHere = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: network.host('b').address, port: 7000 }, () => socket.write('here'));
      socket.on('data', (data) => {
        resolve(data.toString());
        socket.destroy();
      });
      socket.on('error', reject);
    });
    expect(fromHere).toBe('here');
    await waitFor(() => logOf(server).includes(`peer ${network.gateway}`), {
      description: 'the gateway seen by the server',
    });
    await server.stop();
  });

  it('puts a process started on a host under the host budget (cgroup parent with its CPU quota)', async () => {
    const host = network.host('b');
    if (!host.cgroup)
      throw new Error('no usable cgroups on this machine: a lab host needs them for its CPU budget');
    const server = tcpTool('cgroup-b', ['echo', '7001'], host);
    await waitFor(() => logOf(server).includes('listening'), {
      timeoutMs: 30_000,
      description: 'echo server on b',
    });
    const own = readFileSync(`/proc/${server.pid}/cgroup`, 'utf8');
    const hostLeaf = host.cgroup.dirs[0]!.split('/').at(-1)!;
    expect(own).toContain(`/${hostLeaf}/`);
    expect(server.cgroup?.dirs[0]?.startsWith(host.cgroup.dirs[0]!)).toBe(true);
    const quota =
      host.cgroup.support.kind === 'v2'
        ? readFileSync(join(host.cgroup.dirs[0]!, 'cpu.max'), 'utf8')
        : readFileSync(join(host.cgroup.dirs[0]!, 'cpu.cfs_quota_us'), 'utf8');
    expect(quota).toMatch(/^50000\b/);
    await server.stop();
  });

  it('a bandwidth cap on a host link limits throughput to about the cap', async () => {
    const capped = tcpTool('send-c', ['send', '7002', String(TRANSFER_BYTES)], network.host('c'));
    const free = tcpTool('send-a', ['send', '7002', String(TRANSFER_BYTES)], network.host('a'));
    await waitFor(() => logOf(capped).includes('listening') && logOf(free).includes('listening'), {
      timeoutMs: 30_000,
      description: 'send servers',
    });
    const cappedMbitPerS = await receiveMbitPerS(network.host('c').address, 7002);
    const freeMbitPerS = await receiveMbitPerS(network.host('a').address, 7002);
    process.stdout.write(
      `lab hosts: ${CAP_MBIT_PER_S} Mbit/s cap measured ${cappedMbitPerS.toFixed(2)} Mbit/s; uncapped ${freeMbitPerS.toFixed(0)} Mbit/s\n`,
    );
    // tbf's 32 KiB bucket lets a little more through at the start; never the uncapped rate
    expect(cappedMbitPerS).toBeLessThan(CAP_MBIT_PER_S * 1.3);
    expect(cappedMbitPerS).toBeGreaterThan(CAP_MBIT_PER_S * 0.5);
    expect(freeMbitPerS).toBeGreaterThan(cappedMbitPerS * 3);
    await network.host('c').uncapBandwidth();
    expect(await network.host('c').exec('tc', ['qdisc', 'show', 'dev', 'eth0'])).not.toContain('tbf');
    await Promise.all([capped.stop(), free.stop()]);
  });

  it('removes every namespace, link and rule by name', async () => {
    const namespaces = network.namespaces();
    expect(await listNamespaces()).toEqual(expect.arrayContaining(namespaces));
    await stopAll();
    await network.remove();
    const left = await listNamespaces();
    expect(left.filter((name) => namespaces.includes(name))).toEqual([]);
    expect(await listRootLinks()).not.toContain(network.gatewayLink);
    expect(await runNetworkCommand('nft', ['list', 'tables'])).not.toContain('wslab_lab');
    expect(await runNetworkCommand('ip', ['-4', 'route'])).not.toContain(network.subnet);
  });
});

describe('lab hosts: a killed lab is cleaned up on the next start', () => {
  it('removes the namespaces and gateway link of a SIGKILLed owner, by name', async () => {
    const holder = new ManagedProcess({
      name: 'network-holder',
      command: process.execPath,
      args: ['--import', 'tsx', HOLDER],
      logDir: join(root, 'logs'),
    });
    try {
      const line = await waitFor(
        () =>
          logOf(holder)
            .split('\n')
            .find((text) => text.startsWith('{')),
        {
          timeoutMs: 60_000,
          description: 'the holder network',
        },
      );
      const held = JSON.parse(line) as { namespaces: string[]; gatewayLink: string };
      holder.killNow('SIGKILL');
      await holder.exited;
      expect(await listNamespaces()).toEqual(expect.arrayContaining(held.namespaces));
      const removed = await removeStaleLabNetworks();
      expect(removed).toEqual(expect.arrayContaining([...held.namespaces, held.gatewayLink]));
      expect((await listNamespaces()).filter((name) => held.namespaces.includes(name))).toEqual([]);
      expect(await listRootLinks()).not.toContain(held.gatewayLink);
      const support = cgroupSupport();
      const cgroupRoot =
        support.kind === 'v2' ? support.dir : support.kind === 'v1' ? support.dirs.cpu : undefined;
      if (cgroupRoot)
        expect(readdirSync(cgroupRoot).filter((name) => name.includes('host-held-'))).toEqual([]);
    } finally {
      await holder.stop('SIGKILL');
      await removeStaleLabNetworks();
    }
  });
});
