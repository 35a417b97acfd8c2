import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSocket, connectHello } from '../../test-support/lab/helpers.js';
import { resolveTopologySpec } from '../../topology/spec.js';
import { startHaproxy } from '../haproxy.js';
import { stopAll } from '../managed-process.js';
import { startNginx } from '../nginx.js';
import { type RedisServerHandle, redisCli, startRedis } from '../redis.js';
import { type ReplicaHandle, startReplica } from '../replica.js';
import type { RunningProxy } from '../running-proxy.js';
import { LabNetwork } from './lab-network.js';

/**
 * The runtime's processes placed on lab hosts by hand: Redis on one host, a replica on another,
 * HAProxy and Nginx on a third, each bound to its host's address; clients here, through the gateway.
 */
describe('processes on lab hosts: Redis, a replica and both proxies on three hosts', () => {
  const root = mkdtempSync(join(tmpdir(), 'wslab-placement-'));
  let network: LabNetwork;
  let redis: RedisServerHandle;
  let replica: ReplicaHandle;
  const proxies: RunningProxy[] = [];
  const password = 'placement-test-password';

  beforeAll(async () => {
    network = await LabNetwork.create({
      name: 'placement',
      hosts: [{ name: 'redis' }, { name: 'app' }, { name: 'edge' }],
    });
    redis = await startRedis({ dir: join(root, 'redis'), password, host: network.host('redis') });
    const spec = resolveTopologySpec({ redisMode: 'single', logLevel: 'warn', drainWindowMs: 500 });
    replica = await startReplica({
      logDir: join(root, 'logs'),
      spec,
      placement: { redisUrl: redis.url, redisPassword: password },
      name: 'r1',
      waitReady: true,
      host: network.host('app'),
      startTimeoutMs: 60_000,
    });
    const edge = network.host('edge');
    const options = {
      backends: [{ id: 'r1', host: network.host('app').address, port: replica.port }],
      listen: { host: edge.address },
      stats: { host: edge.address },
      limits: { workers: 1 },
    };
    proxies.push(await startHaproxy({ dir: join(root, 'haproxy'), options, host: edge }));
    proxies.push(await startNginx({ dir: join(root, 'nginx'), options, host: edge }));
  });

  afterAll(async () => {
    await stopAll();
    await network?.remove();
    rmSync(root, { recursive: true, force: true });
  });

  it('binds each process to its host address', () => {
    expect(redis.url).toContain(`@${network.host('redis').address}:`);
    expect(replica.wsUrl).toBe(`ws://${network.host('app').address}:${replica.port}/ws`);
    for (const proxy of proxies) expect(proxy.wsUrl).toContain(network.host('edge').address);
  });

  it('renders the proxy configs with the backend host address', () => {
    for (const proxy of proxies) {
      expect(readFileSync(proxy.configPath, 'utf8')).toContain(
        `${network.host('app').address}:${replica.port}`,
      );
    }
  });

  it('serves a WebSocket through each proxy host to the replica host, which reaches Redis on its host', async () => {
    for (const proxy of proxies) {
      const { socket, instance } = await connectHello(`${proxy.wsUrl}/ws`);
      expect(instance).toBe('r1');
      await closeSocket(socket);
    }
    // Redis sees the replica from the replica host's own address
    const clients = await redisCli(redis.port, ['CLIENT', 'LIST'], password, network.host('redis').address);
    expect(clients).toContain(`addr=${network.host('app').address}:`);
  });
});
