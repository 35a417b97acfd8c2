import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../runtime/wait-for.js';
import type { Bus, BusEntry, PublishRequest } from '../../src/bus/bus.js';
import { BusUnavailableError } from '../../src/bus/errors.js';
import type { BusOptions } from '../../src/bus/options.js';

/** What the shared suite needs from one backend. */
export interface BusHarness {
  /** A new bus as one more replica would build it; resolves once it is 'ready'. */
  createBus(options: BusOptions): Promise<Bus>;
  /** Sends a raw payload on the channel `room`'s messages travel on, bypassing the bus. */
  publishRaw(room: string, payload: string): Promise<void>;
  /** Deletes the room's stream and meta: a lost stream. */
  deleteHistory(room: string): Promise<void>;
}

/** A bus with everything it delivered recorded. */
export interface RecordingBus {
  bus: Bus;
  received: BusEntry[];
  decodeErrors: Error[];
}

let roomCounter = 0;
/** A room name no other test (or earlier run against the same Redis) uses. */
export function uniqueRoom(label: string): string {
  roomCounter += 1;
  return `${label}-${roomCounter}-${Math.random().toString(36).slice(2, 8)}`;
}

export function request(room: string, origin: string, data: unknown, extra: Partial<PublishRequest> = {}) {
  return { room, origin, dataJson: JSON.stringify(data), ts: Date.now(), ...extra };
}

export function record(bus: Bus): RecordingBus {
  const recording: RecordingBus = { bus, received: [], decodeErrors: [] };
  bus.onMessage((entry) => recording.received.push(entry));
  bus.onDecodeError((error) => recording.decodeErrors.push(error));
  return recording;
}

/** No message can prove a non-delivery: after a delivery that went through, allow this for stragglers. */
const SETTLE_MS = 100;

/**
 * The behaviour every Bus implementation shares, run against memory, single,
 * cluster and broadcast (socket.io-redis-adapter's testSuite pattern).
 * `harness` is read lazily: backends start their Redis in beforeAll.
 */
export function busSuite(name: string, harness: () => BusHarness): void {
  describe(`bus suite: ${name}`, () => {
    const open: Bus[] = [];
    async function replica(instanceId: string, options: Partial<BusOptions> = {}): Promise<RecordingBus> {
      const bus = await harness().createBus({ instanceId, historySize: 100, ...options });
      open.push(bus);
      return record(bus);
    }
    afterEach(async () => {
      await Promise.all(open.splice(0).map((bus) => bus.close()));
    });

    it('fans a publish out to every subscribed replica, in order, with offsets 1, 2, 3', async () => {
      const room = uniqueRoom('fanout');
      const a = await replica('A');
      const b = await replica('B');
      await a.bus.subscribe(room);
      await b.bus.subscribe(room);
      const results = [];
      for (const n of [1, 2, 3]) results.push(await a.bus.publish(request(room, 'A', { n })));
      expect(results.map((r) => r.offset)).toEqual([1, 2, 3]);
      expect(new Set(results.map((r) => r.epoch)).size).toBe(1);
      await waitFor(() => a.received.length === 3 && b.received.length === 3);
      for (const rec of [a, b]) {
        expect(rec.received.map((e) => e.offset)).toEqual([1, 2, 3]);
        expect(rec.received.map((e) => e.dataJson)).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
        expect(rec.received.every((e) => e.room === room && e.origin === 'A' && !e.ephemeral)).toBe(true);
        expect(rec.received[0]?.epoch).toBe(results[0]?.epoch);
      }
    });

    it('carries data text byte for byte (newlines, unicode, nested JSON)', async () => {
      const room = uniqueRoom('data');
      const a = await replica('A');
      await a.bus.subscribe(room);
      const dataJson = '{\n  "text": "héllo \\"w\\" 🚀\\n",\n  "list": [1, {"x": null}]\n}';
      await a.bus.publish({ room, origin: 'A', dataJson, ts: 1234 });
      await waitFor(() => a.received.length === 1);
      expect(a.received[0]).toMatchObject({ dataJson, ts: 1234 });
    });

    it('counts subscriptions: delivery stops only when the last subscribe is undone', async () => {
      const room = uniqueRoom('refcount');
      const a = await replica('A');
      const b = await replica('B');
      await a.bus.subscribe(room);
      await b.bus.subscribe(room);
      await b.bus.subscribe(room);
      await b.bus.unsubscribe(room);
      await a.bus.publish(request(room, 'A', 1));
      await waitFor(() => b.received.length === 1);

      await b.bus.unsubscribe(room);
      await a.bus.publish(request(room, 'A', 2));
      await waitFor(() => a.received.length === 2);
      await sleep(SETTLE_MS);
      expect(b.received.map((e) => e.dataJson)).toEqual(['1']);

      // Unsubscribing more than subscribed is a no-op, and a new subscribe works again.
      await b.bus.unsubscribe(room);
      await b.bus.subscribe(room);
      await a.bus.publish(request(room, 'A', 3));
      await waitFor(() => b.received.length === 2);
      expect(b.received[1]?.dataJson).toBe('3');
    });

    it('gives concurrent publishes from several replicas distinct offsets, delivered in offset order', async () => {
      const room = uniqueRoom('order');
      const a = await replica('A');
      const b = await replica('B');
      const c = await replica('C');
      await c.bus.subscribe(room);
      const publishes = Array.from({ length: 30 }, (_, i) =>
        (i % 2 === 0 ? a : b).bus.publish(request(room, i % 2 === 0 ? 'A' : 'B', i)),
      );
      const offsets = (await Promise.all(publishes)).map((r) => r.offset).sort((x, y) => x - y);
      expect(offsets).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      await waitFor(() => c.received.length === 30);
      expect(c.received.map((e) => e.offset)).toEqual(offsets);
    });

    it('reads exactly the range after `since`, and the position', async () => {
      const room = uniqueRoom('range');
      const a = await replica('A');
      const fresh = await a.bus.position(room);
      expect(fresh.offset).toBe(0);
      expect(fresh.epoch).not.toBe('');
      for (const n of [1, 2, 3, 4, 5]) await a.bus.publish(request(room, 'A', n));
      const position = await a.bus.position(room);
      // A client that joined before the first publish holds the epoch publish used.
      expect(position).toEqual({ offset: 5, epoch: fresh.epoch });

      const range = await a.bus.readSince(room, { offset: 2, epoch: fresh.epoch });
      expect(range.missed).toBe(false);
      expect(range.position).toEqual(position);
      expect(range.entries.map((e) => [e.offset, e.dataJson])).toEqual([
        [3, '3'],
        [4, '4'],
        [5, '5'],
      ]);
      expect(range.entries.every((e) => e.room === room && e.epoch === fresh.epoch && e.origin === 'A')).toBe(
        true,
      );
      const atTop = await a.bus.readSince(room, position);
      expect(atTop).toEqual({ entries: [], position, missed: false });
      const fromZero = await a.bus.readSince(room, { offset: 0, epoch: fresh.epoch });
      expect(fromZero.entries.map((e) => e.offset)).toEqual([1, 2, 3, 4, 5]);
    });

    it('signals `missed` for a since older than the retained window', async () => {
      const room = uniqueRoom('window');
      const a = await replica('A', { historySize: 3 });
      let epoch = '';
      for (const n of [1, 2, 3, 4, 5, 6]) epoch = (await a.bus.publish(request(room, 'A', n))).epoch;
      const tooOld = await a.bus.readSince(room, { offset: 2, epoch });
      expect(tooOld).toMatchObject({ missed: true, entries: [], position: { offset: 6, epoch } });
      // Oldest retained is 4: since 3 is the oldest position that can still be resumed.
      const justInside = await a.bus.readSince(room, { offset: 3, epoch });
      expect(justInside.missed).toBe(false);
      expect(justInside.entries.map((e) => e.offset)).toEqual([4, 5, 6]);
      // A position from the future of this epoch cannot be honoured either.
      expect((await a.bus.readSince(room, { offset: 7, epoch })).missed).toBe(true);
    });

    it('signals `missed` when the stream was lost (new epoch), and restarts offsets', async () => {
      const room = uniqueRoom('epoch');
      const a = await replica('A');
      await a.bus.publish(request(room, 'A', 1));
      const old = await a.bus.publish(request(room, 'A', 2));
      await harness().deleteHistory(room);
      const range = await a.bus.readSince(room, old);
      expect(range.missed).toBe(true);
      expect(range.position.offset).toBe(0);
      expect(range.position.epoch).not.toBe(old.epoch);
      const next = await a.bus.publish(request(room, 'A', 3));
      expect(next).toEqual({ offset: 1, epoch: range.position.epoch });
    });

    it('with history off: plain pub/sub, offset 0, nothing stored', async () => {
      const room = uniqueRoom('nohistory');
      const a = await replica('A', { history: false });
      const b = await replica('B', { history: false });
      expect(a.bus.historyEnabled).toBe(false);
      await b.bus.subscribe(room);
      expect(await a.bus.publish(request(room, 'A', 'x'))).toEqual({ offset: 0, epoch: '' });
      await waitFor(() => b.received.length === 1);
      expect(b.received[0]).toMatchObject({ offset: 0, epoch: '', dataJson: '"x"' });
      expect(await a.bus.position(room)).toEqual({ offset: 0, epoch: '' });
      const range = await a.bus.readSince(room, { offset: 3, epoch: 'abc' });
      expect(range).toEqual({ entries: [], position: { offset: 0, epoch: '' }, missed: true });
    });

    it('fans ephemeral messages out without storing them or using an offset', async () => {
      const room = uniqueRoom('typing');
      const a = await replica('A');
      const b = await replica('B');
      await b.bus.subscribe(room);
      const stored = await a.bus.publish(request(room, 'A', 1));
      expect(await a.bus.publish(request(room, 'A', null, { ephemeral: true }))).toEqual({
        offset: 0,
        epoch: '',
      });
      await waitFor(() => b.received.length === 2);
      expect(b.received[1]).toMatchObject({ ephemeral: true, offset: 0, dataJson: 'null' });
      expect(await a.bus.position(room)).toEqual(stored);
      const range = await a.bus.readSince(room, { offset: 0, epoch: stored.epoch });
      expect(range.entries.map((e) => e.dataJson)).toEqual(['1']);
    });

    it('counts and drops undecodable payloads, and keeps delivering', async () => {
      const room = uniqueRoom('garbage');
      const a = await replica('A');
      await a.bus.subscribe(room);
      const garbage = [
        'not a payload',
        'w1 1 e\n',
        'w1 x e\n["r",1,"o",0]\n1',
        'w1 1 e\n{"not":"an array"}\n1',
        `w1 1 e\n["${room}","ts","o",0]\n1`,
        `w1 1 e\n["${room}",1,"o",0]\n`,
      ];
      for (const payload of garbage) await harness().publishRaw(room, payload);
      await a.bus.publish(request(room, 'A', 'good'));
      await waitFor(() => a.received.length === 1 && a.decodeErrors.length === garbage.length);
      expect(a.received[0]?.dataJson).toBe('"good"');
      expect(a.decodeErrors.every((e) => (e as { code?: string }).code === 'bad_payload')).toBe(true);
    });

    it('delivers a replica its own publishes (origin says so) unless dropOwnEchoes is set', async () => {
      const room = uniqueRoom('echo');
      const a = await replica('A');
      const quiet = await replica('Q', { dropOwnEchoes: true });
      await a.bus.subscribe(room);
      await quiet.bus.subscribe(room);
      await quiet.bus.publish(request(room, 'Q', 'from-q'));
      await a.bus.publish(request(room, 'A', 'from-a'));
      await waitFor(() => a.received.length === 2 && quiet.received.length === 1);
      expect(a.received.map((e) => e.origin)).toEqual(['Q', 'A']);
      expect(quiet.received.map((e) => e.origin)).toEqual(['A']);
    });

    it('is ready while connected and refuses work once closed', async () => {
      const a = await replica('A');
      expect(a.bus.state).toBe('ready');
      const states: string[] = [];
      a.bus.onStateChange((state) => states.push(state));
      await a.bus.close();
      expect(a.bus.state).toBe('closed');
      expect(states).toEqual(['closed']);
      await expect(a.bus.publish(request(uniqueRoom('closed'), 'A', 1))).rejects.toBeInstanceOf(
        BusUnavailableError,
      );
    });
  });
}
