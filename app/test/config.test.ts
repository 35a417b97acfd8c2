import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      busMode: 'single',
      redisUrl: 'redis://127.0.0.1:6379',
      history: true,
      historySize: 1000,
      historyTtlS: 3600,
      historyReplicaAcks: 0,
      historyReplicaAckTimeoutMs: 200,
      pingIntervalMs: 25_000,
      maxFrameBytes: 65_536,
      maxRoomsPerConnection: 100,
      publishRatePerS: 50,
      publishBurst: 100,
      sendBufferMaxBytes: 1_048_576,
      drainWindowMs: 10_000,
      logLevel: 'info',
    });
    expect(config.instanceId).toMatch(/-\d+$/);
    expect(config.publishApiKey).toBeUndefined();
    expect(config.allowedOrigins).toBeUndefined();
  });

  it('parses lists and switches', () => {
    const config = loadConfig({
      BUS_MODE: 'cluster',
      REDIS_CLUSTER_NODES: '127.0.0.1:7000, 127.0.0.1:7001',
      HISTORY: 'off',
      ALLOWED_ORIGINS: 'https://a.example,http://localhost:3000',
      PING_INTERVAL_MS: '0',
    });
    expect(config.redisClusterNodes).toEqual(['127.0.0.1:7000', '127.0.0.1:7001']);
    expect(config.history).toBe(false);
    expect(config.allowedOrigins).toEqual(['https://a.example', 'http://localhost:3000']);
    expect(config.pingIntervalMs).toBe(0);
  });

  it('reports one exact message per bad value', () => {
    expect(
      problems({
        PORT: 'abc',
        BUS_MODE: 'kafka',
        MAX_FRAME_BYTES: '-1',
        HISTORY: 'yes',
        PUBLISH_API_KEY: 'short',
      }),
    ).toEqual([
      'PORT must be an integer from 0 to 65535, got "abc"',
      'BUS_MODE must be one of memory|single|cluster|broadcast, got "kafka"',
      'HISTORY must be one of on|off, got "yes"',
      'MAX_FRAME_BYTES must be an integer from 64 to 16777216, got "-1"',
      'PUBLISH_API_KEY must be at least 16 characters, got 5',
    ]);
    expect(problems({ PORT: '70000' })).toEqual(['PORT must be an integer from 0 to 65535, got "70000"']);
    expect(problems({ REDIS_URL: 'http://x' })).toEqual([
      'REDIS_URL must start with redis:// or rediss://, got "http://x"',
    ]);
    expect(problems({ REDIS_CLUSTER_NODES: 'a:1,b' })).toEqual([
      'REDIS_CLUSTER_NODES must be a comma list of host:port, got "a:1,b"',
    ]);
    expect(problems({ BUS_MODE: 'cluster' })).toEqual([
      'REDIS_CLUSTER_NODES is required when BUS_MODE=cluster',
    ]);
  });

  it('reads replica acks for stored history, within bounds and only where they mean something', () => {
    const config = loadConfig({ HISTORY_REPLICA_ACKS: '1', HISTORY_REPLICA_ACK_TIMEOUT_MS: '500' });
    expect(config).toMatchObject({ historyReplicaAcks: 1, historyReplicaAckTimeoutMs: 500 });
    expect(problems({ HISTORY_REPLICA_ACKS: '6', HISTORY_REPLICA_ACK_TIMEOUT_MS: '3000' })).toEqual([
      'HISTORY_REPLICA_ACKS must be an integer from 0 to 5, got "6"',
      'HISTORY_REPLICA_ACK_TIMEOUT_MS must be an integer from 1 to 2999, got "3000"',
    ]);
    expect(problems({ HISTORY_REPLICA_ACKS: '1.5' })).toEqual([
      'HISTORY_REPLICA_ACKS must be an integer from 0 to 5, got "1.5"',
    ]);
    expect(problems({ HISTORY_REPLICA_ACK_TIMEOUT_MS: '0' })).toEqual([
      'HISTORY_REPLICA_ACK_TIMEOUT_MS must be an integer from 1 to 2999, got "0"',
    ]);
    expect(problems({ HISTORY_REPLICA_ACKS: '1', HISTORY: 'off' })).toEqual([
      'HISTORY_REPLICA_ACKS needs HISTORY=on',
    ]);
    expect(problems({ HISTORY_REPLICA_ACKS: '2', BUS_MODE: 'memory' })).toEqual([
      'HISTORY_REPLICA_ACKS needs a Redis BUS_MODE (single|cluster|broadcast)',
    ]);
    // 0 is the default and valid everywhere.
    expect(problems({ HISTORY_REPLICA_ACKS: '0', HISTORY: 'off', BUS_MODE: 'memory' })).toEqual([]);
  });
});
