import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import type { Grants } from '../src/auth.js';
import type { BusEntry } from '../src/bus/bus.js';
import { createMemoryBus, MemoryBroker } from '../src/bus/memory.js';
import { Client } from '../src/client.js';
import { CLOSES, ERRORS } from '../src/contracts/protocol.js';
import { PublishLimiter } from '../src/limits.js';
import { createMetrics } from '../src/metrics.js';
import { Publisher, type PublishOutcome, type PublishSource } from '../src/publish.js';
import { metricValue } from './helpers/metrics.js';

// The one publish path shared by a WebSocket `pub` and POST /api/publish, on the memory bus.
function setup() {
  const broker = new MemoryBroker();
  const bus = createMemoryBus({ instanceId: 'i1' }, broker);
  const metrics = createMetrics('i1');
  const publisher = new Publisher(bus, metrics, 'i1');
  const received: BusEntry[] = [];
  bus.onMessage((entry) => received.push(entry));
  return { broker, bus, metrics, publisher, received };
}

/** A client as the path sees it: grants and a publish limiter (the socket is never touched). */
function client(grants: Grants | null = null, limiter = new PublishLimiter(1000, 1000)): Client {
  return new Client({} as WebSocket, limiter, grants);
}

function publish(
  publisher: Publisher,
  input: { room: unknown; data: unknown },
  source: PublishSource,
  from: Client | null,
): Promise<PublishOutcome> {
  return new Promise((resolve) => publisher.publish(input, source, from, resolve));
}

describe('Publisher', () => {
  it('builds the same bus request for both sources and counts each by source', async () => {
    const { bus, metrics, publisher, received } = setup();
    await bus.subscribe('r');
    const before = Date.now();
    const fromWs = await publish(publisher, { room: 'r', data: { a: 1 } }, 'ws', client());
    const fromHttp = await publish(publisher, { room: 'r', data: [2] }, 'http', null);
    expect(fromWs).toMatchObject({ ok: true, result: { offset: 1 } });
    expect(fromHttp).toMatchObject({ ok: true, result: { offset: 2 } });
    await expect.poll(() => received.length).toBe(2);
    expect(received.map((entry) => [entry.dataJson, entry.origin, entry.ephemeral])).toEqual([
      ['{"a":1}', 'i1', false],
      ['[2]', 'i1', false],
    ]);
    expect(received[0]!.ts).toBeGreaterThanOrEqual(before);
    expect(await metricValue(metrics.registry, 'wslab_publishes_total', { source: 'ws' })).toBe(1);
    expect(await metricValue(metrics.registry, 'wslab_publishes_total', { source: 'http' })).toBe(1);
  });

  it.each<PublishSource>(['ws', 'http'])('validates room and data the same way for %s', async (source) => {
    const { publisher } = setup();
    const from = source === 'ws' ? client() : null;
    expect(await publish(publisher, { room: 'no spaces', data: 1 }, source, from)).toEqual({
      ok: false,
      error: ERRORS.badRoom,
    });
    expect(await publish(publisher, { room: 7, data: 1 }, source, from)).toEqual({
      ok: false,
      error: ERRORS.badRoom,
    });
    expect(await publish(publisher, { room: 'r', data: undefined }, source, from)).toEqual({
      ok: false,
      error: ERRORS.missingData,
    });
  });

  it('answers unavailable (and counts nothing) when the bus is down', async () => {
    const { broker, metrics, publisher } = setup();
    broker.setAvailable(false);
    expect(await publish(publisher, { room: 'r', data: 1 }, 'http', null)).toEqual({
      ok: false,
      error: ERRORS.publishUnavailable,
    });
    expect(await metricValue(metrics.registry, 'wslab_publishes_total', { source: 'http' })).toBe(0);
  });

  it("applies a WebSocket client's grants and publish limit, answering refusals at once", () => {
    const { publisher } = setup();
    const answers: PublishOutcome[] = [];
    const readOnly = client({ join: new Set(['*']), publish: new Set(['mine']) });
    publisher.publish({ room: 'other', data: 1 }, 'ws', readOnly, (outcome) => answers.push(outcome));
    // Two tokens of each bucket: allowed ×2, rate_limited ×2, then the flood closes.
    const limited = client(null, new PublishLimiter(0.001, 2, Date.now()));
    for (let index = 0; index < 5; index += 1)
      publisher.publish({ room: 'r', data: index }, 'ws', limited, (outcome) => answers.push(outcome));
    // Synchronous: the refusals are already answered before any bus reply.
    expect(answers).toEqual([
      { ok: false, error: ERRORS.forbiddenPublish },
      { ok: false, error: ERRORS.rateLimited },
      { ok: false, error: ERRORS.rateLimited },
      { ok: false, close: CLOSES.publishFlood },
    ]);
  });

  it('relays typing as an ephemeral entry carrying the client id, under the same limit', async () => {
    const { bus, publisher, received } = setup();
    await bus.subscribe('r');
    const typist = client();
    const outcome = await new Promise<PublishOutcome>((resolve) =>
      publisher.publishTyping(typist, 'r', resolve),
    );
    expect(outcome).toMatchObject({ ok: true, result: { offset: 0 } });
    await expect.poll(() => received.length).toBe(1);
    expect(received[0]).toMatchObject({ ephemeral: true, dataJson: JSON.stringify(typist.id) });
  });
});
