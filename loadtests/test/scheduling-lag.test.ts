/**
 * The runner cannot hide its own lateness: with its event loop deliberately blocked while
 * publishing (a busy-wait in the publishing hook, in the runner's process), the run against a real
 * server over real sockets is marked invalid with the reason, its scheduling lag shows the block,
 * and delivery latency, measured from each message's intended send time, includes the block.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RawServer, startRawServer } from '../../bench/raw-server.js';
import { exitCodeOf, runScenario, scenarioResultSchema } from '../runner/index.js';

const BLOCK_MS = 300;
let raw: RawServer;

beforeAll(async () => {
  raw = await startRawServer();
});

afterAll(async () => {
  await raw.close();
});

function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Spinning on purpose: nothing else in this process runs meanwhile, as on an overloaded runner.
  }
}

const load = {
  publishers: 2,
  subscribers: 4,
  rooms: 1,
  ratePerPublisher: 50,
  durationMs: 2_000,
  settleTimeoutMs: 2_000,
  arrivals: 'uniform' as const,
};

describe('a blocked runner loop', () => {
  it('marks the run invalid and counts the block in latency', async () => {
    const result = await runScenario(
      'fanout',
      load,
      { url: raw.wsUrl, label: 'blocked' },
      {
        inline: true,
        progress: false,
        hooks: {
          onPublishing: async () => {
            await sleep(700);
            busyWait(BLOCK_MS);
          },
        },
      },
    );
    scenarioResultSchema.parse(result);
    expect(result.parameters.arrivals).toBe('uniform');
    expect(result.validity?.valid).toBe(false);
    expect(result.validity?.reasons[0]).toMatch(/shard 0 scheduling lag p99 [\d.]+ ms .*> bound 5 ms/);
    expect(result.validity?.schedulingLag?.maxMs).toBeGreaterThanOrEqual(BLOCK_MS - 20);
    expect(exitCodeOf(result)).toBe(3);
    const latency = result.metrics.delivery_latency_ms;
    if (latency?.kind !== 'distribution') throw new Error('no latency distribution');
    // ~30 of the 200 slots fell inside the block: the oldest waited for all of it.
    expect(latency.max).toBeGreaterThanOrEqual(BLOCK_MS - 20);
    expect(latency.p95).toBeGreaterThanOrEqual(BLOCK_MS / 4);
    // Nothing was dropped to catch up: every slot was sent and delivered.
    expect(result.metrics.messages_lost).toMatchObject({ value: 0 });
    expect(result.metrics.messages_published).toMatchObject({ value: 200 });
  }, 30_000);

  it('without the block, the same run reports neither the lag nor the latency', async () => {
    const result = await runScenario(
      'fanout',
      load,
      { url: raw.wsUrl, label: 'free' },
      {
        inline: true,
        progress: false,
      },
    );
    const latency = result.metrics.delivery_latency_ms;
    if (latency?.kind !== 'distribution') throw new Error('no latency distribution');
    expect(latency.max).toBeLessThan(BLOCK_MS - 20);
    expect(result.validity?.schedulingLag?.maxMs).toBeLessThan(BLOCK_MS - 20);
    expect(result.metrics.messages_published).toMatchObject({ value: 200 });
  }, 30_000);
});
