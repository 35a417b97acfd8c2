/**
 * The two user flows of the streaming scripts (fanout, failover): a subscriber that joins one
 * room and accounts for every delivery, and a publisher that sends sequence-numbered payloads at
 * a fixed rate. Room and URL assignment come from the shared layout, like the Node runner's.
 */
import exec from 'k6/execution';
import { clearInterval, setInterval, setTimeout } from 'k6/timers';
import type { StreamParams } from '../../scenarios/definition.js';
import { GapAccounting } from '../../scenarios/gap-accounting.js';
import { publisherId, publisherRoom, roomName, subscriberRoom, urlIndexFor } from '../../scenarios/layout.js';
import { makePayload, paddingFor, readPayload } from '../../scenarios/payload.js';
import { subscriberLifetimeMs } from '../options.js';
import { K6Client } from './client.js';
import { runId, targetUrls } from './env.js';
import * as m from './metrics.js';

export function subscriberFlow(params: StreamParams): void {
  const index = exec.scenario.iterationInTest;
  const urls = targetUrls();
  const accounting = new GapAccounting();
  const room = roomName(runId(), subscriberRoom(index, params.rooms));
  const client = new K6Client({
    urls,
    urlIndex: urlIndexFor('subscriber', index, urls.length),
    rooms: [room],
    reconnect: true,
    backoffInitialMs: params.backoffInitialMs,
    backoffMaxMs: params.backoffMaxMs,
    onMessage: (frame, replayed, atMs) => {
      const payload = readPayload(frame.data);
      if (!payload) return;
      m.delivered.add(1);
      const kind = accounting.record(payload.p, payload.s);
      if (kind === 'duplicate') {
        m.duplicated.add(1);
        return;
      }
      if (kind === 'out_of_order') m.outOfOrder.add(1);
      if (replayed) m.recovered.add(1);
      else m.deliveryLatency.add(atMs - payload.t);
    },
  });
  // Spread connects at the configured rate, like the Node runner.
  const delayMs = (index / params.connectRatePerS) * 1_000;
  setTimeout(() => client.start(), delayMs);
  setTimeout(() => {
    // Every counter with a threshold gets a sample from every VU (0 included), so k6 evaluates it.
    m.lost.add(accounting.gaps());
    m.duplicated.add(0);
    m.clientsNotBack.add(client.isDown ? 1 : 0);
    client.stop();
  }, subscriberLifetimeMs(params) - delayMs);
}

export function publisherFlow(params: StreamParams): void {
  const index = exec.scenario.iterationInTest;
  const urls = targetUrls();
  const id = publisherId(index);
  const room = roomName(runId(), publisherRoom(index, params.rooms));
  const padding = paddingFor(id, params.messageBytes);
  const pending = new Map<string, number>();
  const total = Math.floor((params.durationMs / 1_000) * params.ratePerPublisher);
  let seq = 0;
  let attempted = 0;
  const client = new K6Client({
    urls,
    urlIndex: urlIndexFor('publisher', index, urls.length),
    rooms: [],
    stickyRoom: room,
    reconnect: true,
    backoffInitialMs: params.backoffInitialMs,
    backoffMaxMs: params.backoffMaxMs,
    onFrame: (frame, atMs) => {
      if ((frame.op !== 'ack' && frame.op !== 'error') || frame.id === undefined) return;
      const sentAt = pending.get(frame.id);
      if (sentAt === undefined) return;
      pending.delete(frame.id);
      if (frame.op === 'ack') {
        m.published.add(1);
        m.publishAck.add(atMs - sentAt);
      } else {
        m.publishErrors.add(1);
      }
    },
    onOpen: () => pending.clear(),
  });
  client.start();
  const ticker = setInterval(() => {
    if (attempted >= total) {
      clearInterval(ticker);
      // Leave time for the last acks, then close.
      setTimeout(() => client.stop(), 2_000);
      return;
    }
    attempted += 1;
    const sentAt = Date.now();
    const payload = makePayload(id, seq + 1, sentAt, padding);
    if (client.send({ op: 'pub', room, data: payload, id: String(seq + 1) })) {
      seq += 1;
      pending.set(String(seq), sentAt);
    } else {
      m.publishSkipped.add(1);
    }
  }, 1_000 / params.ratePerPublisher);
}
