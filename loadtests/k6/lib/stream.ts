/**
 * The two user flows of the streaming scripts (fanout, failover): a subscriber that joins one
 * room and accounts for every delivery, and a publisher that sends sequence-numbered payloads on
 * the run's arrival schedule (loadtests/scenarios/arrivals.ts), each stamped with its intended
 * send time. Room and URL assignment come from the shared layout, like the Node runner's.
 */
import exec from 'k6/execution';
import { setTimeout } from 'k6/timers';
import { PublisherArrivals } from '../../scenarios/arrivals.js';
import type { StreamParams } from '../../scenarios/definition.js';
import { GapAccounting } from '../../scenarios/gap-accounting.js';
import { publisherId, publisherRoom, roomName, subscriberRoom, urlIndexFor } from '../../scenarios/layout.js';
import { makePayload, paddingFor, readPayload } from '../../scenarios/payload.js';
import { PUBLISHER_CONNECT_LEAD_MS, subscriberLifetimeMs } from '../options.js';
import { K6Client } from './client.js';
import { arrivalSeed, runId, targetUrls } from './env.js';
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
  /** seq → intended send time, for acks not yet received. */
  const pending = new Map<string, number>();
  const arrivals = new PublisherArrivals({
    model: params.arrivals,
    publisherIndex: index,
    publishers: params.publishers,
    ratePerS: params.ratePerPublisher,
    durationMs: params.durationMs,
    seed: arrivalSeed(),
  });
  // Every publisher VU counts its slots from the same instant: the scenario's start, plus time to connect.
  const epochMs = exec.scenario.startTime + PUBLISHER_CONNECT_LEAD_MS;
  let seq = 0;
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
      const intendedAtMs = pending.get(frame.id);
      if (intendedAtMs === undefined) return;
      pending.delete(frame.id);
      if (frame.op === 'ack') {
        m.published.add(1);
        m.publishAck.add(atMs - intendedAtMs);
      } else {
        m.publishErrors.add(1);
      }
    },
    // Acks of frames sent on a lost connection never come: count them, as the Node runner does. A
    // subscriber's gap accounting sees such a publish as lost if it never reached the replica.
    onOpen: () => {
      m.unacked.add(pending.size);
      pending.clear();
    },
  });
  client.start();
  const send = (intendedAtMs: number): void => {
    m.schedulingLag.add(Math.max(0, Date.now() - intendedAtMs));
    const payload = makePayload(id, seq + 1, intendedAtMs, padding);
    if (client.send({ op: 'pub', room, data: payload, id: String(seq + 1) })) {
      seq += 1;
      pending.set(String(seq), intendedAtMs);
    } else {
      m.publishSkipped.add(1);
    }
  };
  // One timer at a time, armed for the next slot; slots already due (the VU fell behind) go at once.
  const armNext = (): void => {
    for (;;) {
      const offsetMs = arrivals.next();
      if (offsetMs === null) {
        // Leave time for the last acks, then close.
        setTimeout(() => client.stop(), 2_000);
        return;
      }
      const intendedAtMs = epochMs + offsetMs;
      const waitMs = intendedAtMs - Date.now();
      if (waitMs > 0) {
        setTimeout(() => {
          send(intendedAtMs);
          armNext();
        }, waitMs);
        return;
      }
      send(intendedAtMs);
    }
  };
  armNext();
}
