import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchText, metricValue } from '../../observe/prometheus.js';
import type { Stickiness } from '../../proxy/options.js';
import { startHaproxy } from '../../runtime/haproxy.js';
import { backendsOf, type ReplicaSet, startReplicaSet } from '../../runtime/local/replica-set.js';
import { startNginx } from '../../runtime/nginx.js';
import type { RunningProxy } from '../../runtime/running-proxy.js';
import { waitFor } from '../../runtime/wait-for.js';
import type { ProxyKind } from '../../topology/spec.js';
import { type Outage, ResilientClient } from '../runner/client.js';
import { runScenario } from '../runner/index.js';

/**
 * The load runner's clients under the proxies' cookie and source stickiness: real Redis, three
 * real replicas, real HAProxy and Nginx. Clients keep a cookie jar (so a reconnect returns to its
 * replica) and bind distinct 127.0.0.x source addresses (so source hashing spreads them).
 */
describe('load runner clients under cookie and source stickiness', () => {
  const dir = resolve('.lab', `e2e-sticky-clients-${process.pid}`);
  let set: ReplicaSet;
  const proxies = new Map<string, RunningProxy>();
  const clients: ResilientClient[] = [];
  const kinds: ProxyKind[] = ['haproxy', 'nginx'];

  beforeAll(async () => {
    set = await startReplicaSet(join(dir, 'replicas'), 3, { drainWindowMs: 500 });
    const starts: Promise<void>[] = [];
    for (const kind of kinds) {
      for (const stickiness of ['cookie', 'source'] as Stickiness[]) {
        const start = kind === 'haproxy' ? startHaproxy : startNginx;
        starts.push(
          start({
            dir: join(dir, `${kind}-${stickiness}`),
            options: { backends: backendsOf(set.replicas), stickiness, limits: { workers: 2 } },
          }).then((running) => {
            proxies.set(`${kind}/${stickiness}`, running);
          }),
        );
      }
    }
    await Promise.all(starts);
  }, 60_000);

  afterAll(async () => {
    for (const client of clients) client.stop();
    await Promise.all([...proxies.values()].map((running) => running.stop()));
    await set?.stop();
  }, 30_000);

  const proxy = (kind: ProxyKind, stickiness: Stickiness): RunningProxy =>
    proxies.get(`${kind}/${stickiness}`)!;

  /** A reconnecting runner client through `running`, resolved once its first hello arrived. */
  const open = async (running: RunningProxy, localAddress?: string): Promise<ResilientClient> => {
    const client = new ResilientClient({
      urls: [`${running.wsUrl}/ws`],
      urlIndex: 0,
      backoff: { initialMs: 20, maxMs: 200 },
      handshakeTimeoutMs: 5_000,
      reconnect: true,
      ...(localAddress === undefined ? {} : { localAddress }),
      listener: {},
    });
    clients.push(client);
    await client.start();
    await waitFor(() => client.replica !== null, { timeoutMs: 5_000, description: 'hello' });
    return client;
  };

  /** Drops every client's connection at once and resolves with each one's outage once it is back. */
  const reconnectAll = async (group: readonly ResilientClient[]): Promise<Outage[]> => {
    const before = group.map((client) => client.outages.length);
    for (const client of group) client.interrupt();
    const back = (client: ResilientClient, index: number) =>
      client.outages.length > before[index]! && client.outages.at(-1)!.replica != null;
    await waitFor(() => group.every(back), { timeoutMs: 10_000, description: 'every client back' });
    return group.map((client) => client.outages.at(-1)!);
  };

  const connectionsPerReplica = async (): Promise<Record<string, number>> => {
    const counts: Record<string, number> = {};
    for (const replica of set.replicas) {
      const text = await fetchText(`${replica.httpUrl}/metrics`);
      counts[replica.instanceId] = (text && metricValue(text, 'wslab_connections_open')) || 0;
    }
    return counts;
  };

  it.each(kinds)(
    'cookie (%s): every reconnect returns to the replica it left',
    async (kind) => {
      // 12 fresh clients: with three replicas the chance that random keys all hash onto one is
      // 3 × (1/3)^12 ≈ 6e-6 (with 6 clients it was ~0.4%, and a CI run once hit it).
      const group = await Promise.all(Array.from({ length: 12 }, () => open(proxy(kind, 'cookie'))));
      for (const client of group) {
        const header = client.cookieHeader ?? '';
        expect(header).toMatch(/^WSLAB_SRV=/);
        // HAProxy's cookie names the server; Nginx's is a hash key it issued.
        if (kind === 'haproxy') expect(header).toBe(`WSLAB_SRV=${client.replica}`);
      }
      // Fresh clients (empty jars) are spread, not all pinned to one replica.
      expect(new Set(group.map((client) => client.replica)).size).toBeGreaterThan(1);
      for (let round = 0; round < 2; round += 1) {
        const outages = await reconnectAll(group);
        for (const outage of outages) expect(outage.replica).toBe(outage.replicaBefore);
      }
      for (const client of group) client.stop();
    },
    20_000,
  );

  it.each(kinds)(
    'source (%s): 16 source addresses spread the runner over replicas',
    async (kind) => {
      const running = proxy(kind, 'source');
      const placed = async (sourceAddresses: number): Promise<Record<string, number>> => {
        let counts: Record<string, number> = {};
        await runScenario(
          'fanout',
          {
            subscribers: 32,
            publishers: 1,
            rooms: 1,
            ratePerPublisher: 5,
            durationMs: 300,
            settleTimeoutMs: 2_000,
          },
          { url: `${running.wsUrl}/ws` },
          {
            inline: true,
            progress: false,
            sourceAddresses,
            hooks: {
              onReady: async () => {
                counts = await connectionsPerReplica();
              },
            },
          },
        );
        return counts;
      };
      const used = (counts: Record<string, number>) => Object.values(counts).filter((n) => n > 0).length;
      // Before: every client comes from 127.0.0.1, so the hash puts all 33 on one replica.
      expect(used(await placed(1))).toBe(1);
      expect(used(await placed(16))).toBeGreaterThan(1);
      // A reconnecting client keeps its address and so its replica.
      const group = await Promise.all(
        Array.from({ length: 4 }, (_, index) => open(running, `127.0.0.${index + 2}`)),
      );
      const outages = await reconnectAll(group);
      for (const outage of outages) expect(outage.replica).toBe(outage.replicaBefore);
      for (const client of group) client.stop();
    },
    20_000,
  );

  it('cookie (haproxy): after its replica is killed a client moves once and sticks to the new one', async () => {
    const group = await Promise.all(Array.from({ length: 6 }, () => open(proxy('haproxy', 'cookie'))));
    const victim = group[0]!.replica!;
    const pinned = group.filter((client) => client.replica === victim);
    const before = pinned.map((client) => client.outages.length);
    await set.replicas.find((replica) => replica.instanceId === victim)!.kill();
    await waitFor(
      () =>
        pinned.every(
          (client, i) => client.outages.length > before[i]! && client.outages.at(-1)!.replica != null,
        ),
      { timeoutMs: 10_000, description: 'clients of the killed replica back' },
    );
    const moved = pinned.map((client) => client.outages.at(-1)!);
    for (const outage of moved) {
      expect(outage.replicaBefore).toBe(victim);
      expect(outage.replica).not.toBe(victim);
    }
    // The 101 of the new replica rewrote the cookie: the next reconnect stays there.
    for (const client of pinned) expect(client.cookieHeader).toBe(`WSLAB_SRV=${client.replica}`);
    const again = await reconnectAll(pinned);
    expect(again.map((outage) => outage.replica)).toEqual(moved.map((outage) => outage.replica));
  }, 20_000);
});
