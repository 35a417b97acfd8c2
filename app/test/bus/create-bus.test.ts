import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServerHandle, redisCli, startRedis } from '../../../runtime/redis.js';
import { waitFor } from '../../../runtime/wait-for.js';
import { parseSeed } from '../../src/bus/connect.js';
import { type BusConfig, createBus } from '../../src/bus/create-bus.js';
import { MemoryBroker } from '../../src/bus/memory.js';
import { resolveBusOptions } from '../../src/bus/options.js';
import { record, request, uniqueRoom } from './bus-suite.js';
import { scratchDir } from './redis-harness.js';

let server: RedisServerHandle;
beforeAll(async () => {
  server = await startRedis({ dir: scratchDir('bus-create'), password: 'pw' });
});
afterAll(async () => {
  await server?.stop();
});

function config(overrides: Partial<BusConfig>): BusConfig {
  return {
    busMode: 'single',
    instanceId: 'i1',
    history: true,
    historySize: 10,
    historyTtlS: 60,
    redisUrl: `redis://127.0.0.1:${server.port}`,
    redisClusterNodes: [],
    redisPassword: 'pw',
    ...overrides,
  };
}

describe('createBus', () => {
  it.each(['single', 'broadcast'] as const)(
    'builds a %s bus from the service config and closes its clients',
    async (mode) => {
      const created = createBus(config({ busMode: mode }));
      expect(created.bus.mode).toBe(mode);
      await waitFor(() => created.bus.state === 'ready', { description: 'ready with REDIS_PASSWORD' });
      const rec = record(created.bus);
      const room = uniqueRoom(mode);
      await created.bus.subscribe(room);
      await created.bus.publish(request(room, 'i1', 1));
      await waitFor(() => rec.received.length === 1);
      await created.close();
      expect(created.bus.state).toBe('closed');
      // Both connections are gone: only the probe itself is connected now.
      const clients = await redisCli(server.port, ['CLIENT', 'LIST'], 'pw');
      expect(clients.trim().split('\n')).toHaveLength(1);
    },
  );

  it('shares a memory broker between replicas when given one', async () => {
    const broker = new MemoryBroker();
    const a = createBus(config({ busMode: 'memory', instanceId: 'a' }), { broker });
    const b = createBus(config({ busMode: 'memory', instanceId: 'b' }), { broker });
    const rec = record(b.bus);
    await b.bus.subscribe('m');
    expect(await a.bus.publish(request('m', 'a', 1))).toMatchObject({ offset: 1 });
    await waitFor(() => rec.received.length === 1);
    await a.close();
    await b.close();
  });
});

describe('bus options and seeds', () => {
  it('parses cluster seeds and rejects bad ones', () => {
    expect(parseSeed('127.0.0.1:7000')).toEqual({ host: '127.0.0.1', port: 7000 });
    expect(parseSeed('[::1]:7001')).toEqual({ host: '::1', port: 7001 });
    expect(() => parseSeed('localhost')).toThrow('bus: bad cluster seed "localhost", expected host:port');
  });

  it('merges defaults once and rejects bad values with one message each', () => {
    expect(resolveBusOptions({ instanceId: 'x' })).toMatchObject({
      keyPrefix: 'wslab',
      history: true,
      historySize: 1000,
      historyTtlS: 3600,
      operationTimeoutMs: 3000,
      replicaAcks: 0,
    });
    expect(() => resolveBusOptions({ instanceId: '' })).toThrow('bus: instanceId must be a non-empty string');
    expect(() => resolveBusOptions({ instanceId: 'x', historySize: 0 })).toThrow(
      'bus: historySize must be an integer >= 1',
    );
    expect(() => resolveBusOptions({ instanceId: 'x', keyPrefix: 'a b' })).toThrow(
      'bus: keyPrefix must be 1-64 of [A-Za-z0-9_.:-]',
    );
    expect(() =>
      resolveBusOptions({
        instanceId: 'x',
        replicaAcks: 1,
        replicaAckTimeoutMs: 5000,
        operationTimeoutMs: 1000,
      }),
    ).toThrow('bus: replicaAckTimeoutMs must be below operationTimeoutMs');
  });
});
