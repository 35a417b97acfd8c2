/**
 * `npm run swarm:check`: a Docker Swarm of lab hosts (runtime/hosts/), formed, labelled the way
 * the `platform: swarm` program expects (wslab.host=<i>), one host lost (its link blackholed and
 * its dockerd killed) until the manager marks it down, then everything removed. Exits non-zero
 * with the reason when namespaces or dockerd cannot be made. What it does not do yet (deploying
 * the example swarm stacks through the real-engine path): infra/README.md.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { blackholeHost } from '../../../lab/faults/silent.js';
import { LabNetwork } from '../../../runtime/hosts/lab-network.js';
import { listNamespaces } from '../../../runtime/hosts/sweep.js';
import { SWARM_DEFAULT_ADDR_POOL } from '../../../topology/subnets.js';
import { HOST_LABEL } from '../../swarm/redis-services.js';
import { engineBlocker } from '../docker/engine.js';
import { HostEngine, SWARM_DATA_ROOT, SWARM_RUN_ROOT } from './host-engine.js';

const HOSTS = 3;
const SWARM_PORT = 2377;
/** The manager marks an unreachable node down after its heartbeat period (5 s) times a few: ~20 s measured. */
const NODE_DOWN_WITHIN_MS = 90_000;

const started = Date.now();
const log = (line: string) => console.log(`[swarm ${((Date.now() - started) / 1000).toFixed(1)} s] ${line}`);

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(500);
  }
}

async function main(): Promise<void> {
  const blocker = engineBlocker();
  if (blocker !== undefined) throw new Error(`cannot run dockerd here: ${blocker}`);
  const network = await LabNetwork.create({
    name: 'swarm',
    hosts: Array.from({ length: HOSTS }, (_, i) => ({ name: `s${i}` })),
  });
  const engines: HostEngine[] = [];
  const figures: Record<string, number> = {};
  let at = Date.now();
  try {
    for (const host of network.hosts) engines.push(await HostEngine.start(host));
    figures.dockerdStartS = (Date.now() - at) / 1000;
    log(`dockerd in ${HOSTS} lab hosts (${figures.dockerdStartS} s)`);

    at = Date.now();
    const [manager, ...workers] = engines as [HostEngine, ...HostEngine[]];
    await manager.docker.swarmInit({
      ListenAddr: `0.0.0.0:${SWARM_PORT}`,
      AdvertiseAddr: manager.host.address,
      DefaultAddrPool: [SWARM_DEFAULT_ADDR_POOL.cidr],
      SubnetSize: SWARM_DEFAULT_ADDR_POOL.maskLength,
    });
    const tokens = ((await manager.docker.swarmInspect()) as { JoinTokens: { Worker: string } }).JoinTokens;
    for (const worker of workers) {
      await worker.docker.swarmJoin({
        ListenAddr: `0.0.0.0:${SWARM_PORT}`,
        AdvertiseAddr: worker.host.address,
        RemoteAddrs: [`${manager.host.address}:${SWARM_PORT}`],
        JoinToken: tokens.Worker,
      });
    }
    type NodeInfo = {
      ID: string;
      Version: { Index: number };
      Spec: Record<string, unknown>;
      Status: { State: string; Addr: string };
    };
    const nodes = await waitFor('every node ready', 60_000, async () => {
      const list = (await manager.docker.listNodes()) as NodeInfo[];
      return list.length === HOSTS && list.every((node) => node.Status.State === 'ready') ? list : undefined;
    });
    for (const node of nodes) {
      const index = network.hosts.findIndex((host) => host.address === node.Status.Addr);
      if (index < 0) throw new Error(`node ${node.ID} has address ${node.Status.Addr}, no lab host's`);
      await manager.docker.getNode(node.ID).update({
        version: node.Version.Index,
        ...node.Spec,
        Labels: { ...((node.Spec.Labels as Record<string, string>) ?? {}), [HOST_LABEL]: String(index) },
      });
    }
    figures.swarmFormS = (Date.now() - at) / 1000;
    log(
      `swarm formed: ${HOSTS} nodes ready, labelled ${HOST_LABEL}=0..${HOSTS - 1} (${figures.swarmFormS} s)`,
    );

    // Host lost: its link blackholed and its dockerd killed; the manager must mark it down.
    const lost = engines[HOSTS - 1]!;
    const lostNode = nodes.find((node) => node.Status.Addr === lost.host.address)!;
    const nemesis = blackholeHost(network, lost.host);
    at = Date.now();
    await nemesis.inject();
    await lost.kill();
    await waitFor(`node ${lost.host.name} marked down`, NODE_DOWN_WITHIN_MS, async () => {
      const node = (await manager.docker.getNode(lostNode.ID).inspect()) as NodeInfo;
      return node.Status.State === 'down' ? true : undefined;
    });
    figures.nodeDownS = (Date.now() - at) / 1000;
    log(`host ${lost.host.name} lost (blackholed, dockerd killed): marked down after ${figures.nodeDownS} s`);
    await nemesis.undo();

    const remaining = (await manager.docker.listNodes()) as NodeInfo[];
    const ready = remaining.filter((node) => node.Status.State === 'ready').length;
    if (ready !== HOSTS - 1)
      throw new Error(`after the loss ${ready} nodes are ready, expected ${HOSTS - 1}`);
  } finally {
    at = Date.now();
    for (const engine of engines) {
      await engine.stop().catch((error: Error) => log(`stopping ${engine.host.name}: ${error.message}`));
      engine.removeFiles();
    }
    await network.remove();
    for (const root of [SWARM_RUN_ROOT, SWARM_DATA_ROOT]) rmSync(root, { recursive: true, force: true });
    figures.destroyS = (Date.now() - at) / 1000;
  }
  // Destroy: no namespace, mount or data root of this run is left.
  const left = (await listNamespaces()).filter((name) => name.includes(String(process.pid)));
  if (left.length > 0) throw new Error(`namespaces left behind: ${left.join(', ')}`);
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .filter((line) => line.includes(SWARM_DATA_ROOT) || line.includes(SWARM_RUN_ROOT));
  if (mounts.length > 0) throw new Error(`mounts left behind: ${mounts.join('; ')}`);
  for (const root of [SWARM_RUN_ROOT, SWARM_DATA_ROOT]) {
    if (existsSync(root)) throw new Error(`${root} left behind`);
  }
  log(`destroyed: dockerds stopped, data removed, namespaces and bridge removed (${figures.destroyS} s)`);
  log(`figures ${JSON.stringify(figures)}; total ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(`swarm:check failed: ${error.message}`);
    process.exit(1);
  },
);
