import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roomKeys } from '../../app/src/contracts/redis-keys.js';
import { ConnectionsPoller } from '../../observe/connections.js';
import { Topology } from '../../runtime/local/local-topology.js';
import { stopAll } from '../../runtime/managed-process.js';
import { waitFor } from '../../runtime/wait-for.js';
import { alivePids, closeSocket, connectHello } from '../../test-support/lab/helpers.js';
import { measureRun } from '../experiments/shared/measure.js';
import { createProgress } from '../ui/progress.js';
import {
  freezeReplica,
  killRedisMaster,
  killReplica,
  reloadProxy,
  restartReplica,
  stopReplica,
  thawReplica,
} from './faults.js';
import { timeUntilPublishWorks } from './redis-room.js';
import { scaleOut } from './scale-out.js';

const root = mkdtempSync(join(tmpdir(), 'wslab-faults-'));
const quiet = createProgress({ env: { CI: 'true' } });

afterAll(async () => {
  await stopAll();
  rmSync(root, { recursive: true, force: true });
});

async function readyStatus(httpUrl: string, timeoutMs = 500): Promise<number | 'timeout'> {
  try {
    return (await fetch(`${httpUrl}/readyz`, { signal: AbortSignal.timeout(timeoutMs) })).status;
  } catch {
    return 'timeout';
  }
}

describe('replica and proxy faults (HAProxy, 3 replicas, single Redis)', () => {
  let topology: Topology;
  beforeAll(async () => {
    topology = await Topology.start({
      dir: join(root, 'single'),
      proxy: 'haproxy',
      replicas: 3,
      stickiness: 'none',
      proxyWorkers: 1,
      drainWindowMs: 500,
    });
  });
  afterAll(async () => topology.stop());

  it('kill: the pid is gone and new clients land on the others', async () => {
    const pid = topology.replica('r1').handle!.process.pid;
    const outcome = await killReplica(topology, 'r1');
    expect(outcome.kind).toBe('kill-replica');
    expect(alivePids([pid])).toEqual([]);
    // HAProxy's checks take r1 out; every new connection then gets a live replica
    await waitFor(
      async () => {
        const instances = new Set<string>();
        for (let index = 0; index < 6; index += 1) {
          const { socket, instance } = await connectHello(topology.proxy('haproxy').wsUrl);
          instances.add(instance);
          await closeSocket(socket);
        }
        return !instances.has('r1') && instances.size === 2;
      },
      { timeoutMs: 10_000, description: 'proxy routes around the killed replica' },
    );
  });

  it('restart: a stopped replica comes back on its port with a new pid', async () => {
    const oldPid = topology.replica('r2').handle!.process.pid;
    const outcome = await restartReplica(topology, 'r2');
    expect(outcome.figures.downMs).toBeGreaterThan(0);
    expect(topology.replica('r2').handle!.process.pid).not.toBe(oldPid);
    expect(alivePids([oldPid])).toEqual([]);
    await topology.startReplicaAgain('r1');
    expect(await readyStatus(topology.replica('r1').httpUrl)).toBe(200);
    expect(await readyStatus(topology.replica('r2').httpUrl)).toBe(200);
  });

  it('stop: SIGTERM drains connected clients with 1012, then the process exits', async () => {
    const slot = topology.replica('r3');
    const { socket } = await connectHello(slot.wsUrl);
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    const pid = slot.handle!.process.pid;
    const outcome = await stopReplica(topology, 'r3');
    expect(await closed).toBe(1012);
    expect(alivePids([pid])).toEqual([]);
    expect(outcome.figures.drainMs).toBeGreaterThan(0);
    await topology.startReplicaAgain('r3');
  });

  it('freeze: a SIGSTOPped replica answers nothing until SIGCONT', async () => {
    const slot = topology.replica('r2');
    freezeReplica(topology, 'r2');
    expect(await readyStatus(slot.httpUrl, 300)).toBe('timeout');
    expect(alivePids([slot.handle!.process.pid])).toHaveLength(1);
    thawReplica(topology, 'r2');
    await waitFor(async () => (await readyStatus(slot.httpUrl)) === 200, {
      description: 'thawed replica ready',
    });
  });

  it('reload: open connections survive a proxy reload onto new workers', async () => {
    const proxy = topology.proxy('haproxy');
    const workersBefore = await proxy.handle.workerPids();
    const { socket } = await connectHello(proxy.wsUrl);
    const outcome = await reloadProxy(topology, 'haproxy');
    expect(outcome.figures.reloadMs).toBeGreaterThan(0);
    const workersAfter = await proxy.handle.workerPids();
    expect(workersAfter.some((pid) => workersBefore.includes(pid))).toBe(false);
    expect(socket.readyState).toBe(socket.OPEN);
    // the old connection still carries frames after the reload
    const pong = new Promise<boolean>((resolve) => socket.once('pong', () => resolve(true)));
    socket.ping();
    expect(await pong).toBe(true);
    await closeSocket(socket);
  });

  it('scale out: a new replica joins, the proxy routes to it and clients move to it', async () => {
    const poller = new ConnectionsPoller(() =>
      topology.replicas
        .filter((slot) => slot.handle?.process.running)
        .map((slot) => ({ id: slot.id, httpUrl: slot.httpUrl })),
    );
    let figures: Record<string, number> = {};
    const run = await measureRun({
      topology,
      label: 'scale-out',
      parameters: {},
      urls: [topology.proxy('haproxy').wsUrl],
      scenario: 'failover',
      load: {
        publishers: 2,
        subscribers: 30,
        rooms: 2,
        ratePerPublisher: 5,
        durationMs: 8_000,
        settleTimeoutMs: 3_000,
      },
      faults: [
        {
          atMs: 500,
          fault: 'scale-out',
          target: 'one new replica',
          run: async (t) => {
            const outcome = await scaleOut(t, { poller, windowMs: 500, timeoutMs: 6_000 });
            figures = outcome.figures;
            return outcome;
          },
        },
      ],
      progress: quiet,
    });
    expect(topology.replicas).toHaveLength(4);
    expect(figures.clientsAskedToMove).toBeGreaterThan(0);
    expect(figures.newReplicaConnections).toBeGreaterThan(0);
    expect(run.messages?.lost).toBe(0);
    expect(run.events?.map((event) => event.kind)).toContain('scale-out');
  });
});

describe('Redis master failover (6-node cluster)', () => {
  let topology: Topology;
  beforeAll(async () => {
    topology = await Topology.start({
      dir: join(root, 'cluster'),
      proxy: 'none',
      replicas: 1,
      redisMode: 'cluster',
    });
  });
  afterAll(async () => topology.stop());

  it('kills the master owning a room; its replica is promoted and publishing resumes', async () => {
    const room = 'faults-room';
    const cluster = topology.redisCluster!;
    const oldMaster = await cluster.masterPortForKey(roomKeys(room).stream);
    const oldPid = cluster.nodes.find((node) => node.port === oldMaster)!.process.pid;
    const outcome = await killRedisMaster(topology, room);
    expect(alivePids([oldPid])).toEqual([]);
    expect(outcome.figures.promotionMs).toBeGreaterThan(0);
    const newMaster = await cluster.masterPortForKey(roomKeys(room).stream);
    expect(newMaster).not.toBe(oldMaster);
    expect(cluster.nodes.find((node) => node.port === newMaster)?.process.running).toBe(true);
    expect(await timeUntilPublishWorks(topology, room, { timeoutMs: 20_000 })).toBeGreaterThanOrEqual(0);
  });
});
