import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../runtime/wait-for.js';
import { MemoryBroker } from '../src/bus/memory.js';
import { CLOSES, heartbeatTimeoutMs } from '../src/contracts/protocol.js';
import { type InProcessReplica, startInProcess } from './helpers/in-process.js';
import { metricValue } from './helpers/metrics.js';
import { ProbeClient } from './helpers/ws-client.js';

const replicas: InProcessReplica[] = [];
const clients: ProbeClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.socket.terminate();
  await Promise.all(replicas.splice(0).map((replica) => replica.stop()));
});

async function connect(replica: InProcessReplica): Promise<ProbeClient> {
  const client = await ProbeClient.connect(replica.wsUrl);
  clients.push(client);
  return client;
}

/** The status of one upgrade attempt (101 when it opened). */
async function upgradeStatus(replica: InProcessReplica): Promise<number> {
  const client = new ProbeClient(replica.wsUrl);
  clients.push(client);
  return client.opened.then(
    () => 101,
    (error: Error) => Number(/unexpected response (\d+)/.exec(error.message)?.[1] ?? 0),
  );
}

describe('application heartbeat', () => {
  it('announces the interval and the client timeout in hello, then sends a ping frame every interval', async () => {
    const replica = await startInProcess({ HEARTBEAT_INTERVAL_MS: '100' });
    replicas.push(replica);
    const client = new ProbeClient(replica.wsUrl);
    clients.push(client);
    await client.opened;
    const hello = await client.next('hello');
    expect(hello).toMatchObject({ heartbeatIntervalMs: 100, heartbeatTimeoutMs: heartbeatTimeoutMs(100) });
    expect(heartbeatTimeoutMs(100)).toBe(1_100);
    expect(heartbeatTimeoutMs(2_000)).toBe(3_000);
    expect(heartbeatTimeoutMs(0)).toBe(0);
    await waitFor(() => client.heartbeats >= 3, { description: '3 heartbeats' });
    // Counted as frames out, once per socket per tick.
    expect(
      await metricValue(replica.service.metrics.registry, 'wslab_frames_out_total'),
    ).toBeGreaterThanOrEqual(4);
  });

  it('sends none with HEARTBEAT_INTERVAL_MS=0', async () => {
    const replica = await startInProcess({ HEARTBEAT_INTERVAL_MS: '0' });
    replicas.push(replica);
    const client = await connect(replica);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(client.heartbeats).toBe(0);
  });
});

describe('a replica whose Redis fell silent', () => {
  it('keeps its clients and takes new ones when Redis closed its connections (gone for every replica alike)', async () => {
    const broker = new MemoryBroker();
    const replica = await startInProcess({}, broker);
    replicas.push(replica);
    const member = await connect(replica);
    broker.setAvailable(false);
    expect((await fetch(`${replica.httpUrl}/readyz`)).status).toBe(503);
    expect(await upgradeStatus(replica)).toBe(101);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(member.closeCode).toBeUndefined();
    broker.setAvailable(true);
  });

  it('refuses upgrades with 503 and closes its clients with 1013; takes clients again once the bus is back', async () => {
    const broker = new MemoryBroker();
    const replica = await startInProcess({}, broker);
    replicas.push(replica);
    const member = await connect(replica);
    member.send({ op: 'join', room: 'lost' });
    await member.next('joined');

    const lostAt = Date.now();
    broker.setAvailable(false, { silent: true });
    expect((await fetch(`${replica.httpUrl}/readyz`)).status).toBe(503);
    expect(await upgradeStatus(replica)).toBe(503);
    const closed = await member.closed;
    expect(closed).toEqual(CLOSES.busUnavailable);
    // After the shed delay (1 s), within its spread window (1 s), with margin for a loaded machine.
    expect(Date.now() - lostAt).toBeGreaterThanOrEqual(900);
    expect(Date.now() - lostAt).toBeLessThan(5_000);
    expect(
      await metricValue(replica.service.metrics.registry, 'wslab_upgrades_rejected_total', {
        reason: 'bus_unavailable',
      }),
    ).toBe(1);

    broker.setAvailable(true);
    expect(await upgradeStatus(replica)).toBe(101);
    const back = await connect(replica);
    back.send({ op: 'join', room: 'lost' });
    expect(await back.next('joined')).toMatchObject({ room: 'lost' });
  });

  it('does not shed when the bus comes back within the delay', async () => {
    const broker = new MemoryBroker();
    const replica = await startInProcess({}, broker);
    replicas.push(replica);
    const member = await connect(replica);
    broker.setAvailable(false, { silent: true });
    broker.setAvailable(true);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(member.closeCode).toBeUndefined();
  });
});
