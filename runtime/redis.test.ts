import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isPortOpen } from './ports.js';
import {
  type RedisClusterHandle,
  type RedisServerHandle,
  redisCli,
  startRedis,
  startRedisCluster,
} from './redis.js';

const dir = mkdtempSync(join(tmpdir(), 'wslab-redis-test-'));

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startRedis', () => {
  let server: RedisServerHandle | undefined;
  afterAll(async () => server?.stop());

  it('starts on a free port, restarts on the same port, and stops by its pid', async () => {
    server = await startRedis({ dir, password: 's3cret' });
    expect(server.url).toBe(`redis://:s3cret@127.0.0.1:${server.port}`);
    expect(await redisCli(server.port, ['SET', 'k', 'v'], 's3cret')).toContain('OK');
    expect(await redisCli(server.port, ['CONFIG', 'GET', 'save'], 's3cret')).toMatch(/save\n\n?$/);
    const firstPid = server.pid;

    await server.restart();
    expect(server.pid).not.toBe(firstPid);
    expect(pidAlive(firstPid)).toBe(false);
    // No persistence: a restart is a fresh, empty Redis.
    expect((await redisCli(server.port, ['EXISTS', 'k'], 's3cret')).trim()).toBe('0');

    const pid = server.pid;
    await server.stop();
    expect(pidAlive(pid)).toBe(false);
    expect(await isPortOpen(server.port)).toBe(false);
  });
});

describe('startRedisCluster', () => {
  let cluster: RedisClusterHandle | undefined;
  afterAll(async () => cluster?.stop());

  it('creates 3 masters + 3 replicas, fails a killed master over, and stops every node', async () => {
    cluster = await startRedisCluster({ dir, nodeTimeoutMs: 1_000 });
    expect(cluster.nodes).toHaveLength(6);
    expect(cluster.seeds).toHaveLength(6);
    const first = cluster.nodes[0]!;
    const nodesInfo = await redisCli(first.port, ['CLUSTER', 'NODES']);
    expect(nodesInfo.match(/master/g)).toHaveLength(3);
    expect(nodesInfo.match(/slave/g)).toHaveLength(3);

    const room = 'failover-room';
    const before = await cluster.masterPortForKey(`x{${room}}`);
    const killed = await cluster.killMasterForRoom(room);
    expect(killed).toBe(before);
    await cluster.waitForPromotion();
    const after = await cluster.masterPortForKey(`x{${room}}`);
    expect(after).not.toBe(killed);
    expect(cluster.nodes.find((node) => node.port === killed)?.process.running).toBe(false);

    const pids = cluster.nodes.map((node) => node.pid);
    await cluster.stop();
    expect(pids.filter(pidAlive)).toEqual([]);
  });
});
