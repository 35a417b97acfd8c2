import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bus, BusEntry } from '../src/bus/bus.js';
import { MemoryBroker } from '../src/bus/memory.js';
import { type InProcessReplica, startInProcess } from './helpers/in-process.js';
import { metricValue } from './helpers/metrics.js';
import { ProbeClient } from './helpers/ws-client.js';

// The hub (rooms, refcounted subscriptions, fan-out, resume) over real sockets and the memory bus.
describe('hub', () => {
  const replicas: InProcessReplica[] = [];
  const clients: ProbeClient[] = [];
  const connect = async (replica: InProcessReplica) => {
    const client = await ProbeClient.connect(replica.wsUrl);
    clients.push(client);
    return client;
  };
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    for (const replica of replicas.splice(0)) await replica.stop();
  });

  it('fans out between two replicas on one broker, in order, once', async () => {
    const broker = new MemoryBroker();
    replicas.push(await startInProcess({}, broker), await startInProcess({}, broker));
    const [a, b] = replicas as [InProcessReplica, InProcessReplica];
    const publisher = await connect(a);
    const local = await connect(a);
    const remote = await connect(b);
    await local.join('room1');
    await remote.join('room1');
    for (let index = 0; index < 20; index += 1)
      publisher.send({ op: 'pub', room: 'room1', data: index, id: `${index}` });
    for (const receiver of [local, remote]) {
      const messages = await receiver.waitForMessages('room1', 20);
      expect(messages.map((frame) => frame.data)).toEqual([...Array(20).keys()]);
      expect(messages.map((frame) => frame.offset)).toEqual([...Array(20).keys()].map((index) => index + 1));
    }
    const ack = await publisher.next('ack', (frame) => frame.id === '19');
    expect(ack.offset).toBe(20);
    expect(publisher.messages('room1')).toEqual([]);
  });

  it('writes what one turn sends a socket in one corked write: a burst arrives in order, once', async () => {
    let bus: Bus | undefined;
    replicas.push(await startInProcess({}, undefined, (inner) => (bus = inner)));
    const replica = replicas[0]!;
    const members = [await connect(replica), await connect(replica)];
    for (const member of members) await member.join('burst');
    // Count the corks of each member's server-side TCP socket: ws corks once per frame it sends.
    const corkCounts = [...replica.service.clients].map((client) => {
      const raw = (client.socket as unknown as { _socket: Socket })._socket;
      const cork = raw.cork.bind(raw);
      const counter = { corks: 0 };
      raw.cork = () => {
        counter.corks += 1;
        cork();
      };
      return counter;
    });
    // 100 entries delivered by the bus within one event-loop turn.
    for (let index = 0; index < 100; index += 1)
      void bus!.publish({ room: 'burst', dataJson: String(index), ts: Date.now(), origin: 'test' });
    for (const member of members) {
      const messages = await member.waitForMessages('burst', 100);
      expect(messages.map((frame) => frame.data)).toEqual([...Array(100).keys()]);
      expect(messages.map((frame) => frame.offset)).toEqual([...Array(100).keys()].map((index) => index + 1));
    }
    // 100 frames, one write per socket (several frames, one writev).
    expect(corkCounts.map((counter) => counter.corks)).toEqual([1, 1]);
  });

  it('subscribes a room once per replica and unsubscribes when the last member leaves', async () => {
    replicas.push(await startInProcess());
    const replica = replicas[0]!;
    const first = await connect(replica);
    const second = await connect(replica);
    await first.join('shared');
    await second.join('shared');
    expect(replica.service.hub.memberCount('shared')).toBe(2);
    first.send({ op: 'leave', room: 'shared' });
    await first.next('left');
    expect(replica.service.hub.memberCount('shared')).toBe(1);
    second.close();
    await second.closed;
    await expect.poll(() => replica.service.hub.memberCount('shared')).toBe(0);
  });

  it('resumes with exactly the missed messages, then live, while others publish during the join', async () => {
    replicas.push(await startInProcess());
    const replica = replicas[0]!;
    const publisher = await connect(replica);
    const subscriber = await connect(replica);
    const joined = await subscriber.join('resume');
    for (let index = 1; index <= 5; index += 1) publisher.send({ op: 'pub', room: 'resume', data: index });
    const firstFive = await subscriber.waitForMessages('resume', 5);
    const last = firstFive.at(-1)!;
    subscriber.close();
    // Missed while away.
    for (let index = 6; index <= 10; index += 1) publisher.send({ op: 'pub', room: 'resume', data: index });
    await publisher.next('ack', () => publisher.frames.filter((frame) => frame.op === 'ack').length >= 10);
    const back = await connect(replica);
    // A burst published while the resume is in flight must be neither lost nor duplicated.
    const epoch = (joined.position as { epoch: string }).epoch;
    back.send({ op: 'join', room: 'resume', since: { offset: last.offset, epoch } });
    for (let index = 11; index <= 30; index += 1) publisher.send({ op: 'pub', room: 'resume', data: index });
    const rejoined = await back.next('joined');
    expect(rejoined).toMatchObject({ recovered: true, missed: false });
    const messages = await back.waitForMessages('resume', 25);
    expect(messages.map((frame) => frame.data)).toEqual([...Array(25).keys()].map((index) => index + 6));
    // And no duplicates trickle in afterwards.
    publisher.send({ op: 'pub', room: 'resume', data: 31, id: 'end' });
    await back.waitForMessages('resume', 26);
    expect(back.messages('resume').map((frame) => frame.data)).toEqual(
      [...Array(26).keys()].map((index) => index + 6),
    );
  });

  it('skips live copies of entries a resume already sent from history (they can arrive late)', async () => {
    // With Redis the pub/sub copy of an entry can arrive after the history read that returned it.
    let late: LateDeliveryBus | undefined;
    const replica = await startInProcess({}, undefined, (bus) => {
      late = new LateDeliveryBus(bus);
      return late;
    });
    replicas.push(replica);
    const keeper = await connect(replica); // keeps the room subscribed
    await keeper.join('late');
    const publisher = await connect(replica);
    const subscriber = await connect(replica);
    const joined = await subscriber.join('late');
    const epoch = (joined.position as { epoch: string }).epoch;
    publisher.send({ op: 'pub', room: 'late', data: 1 });
    await subscriber.waitForMessages('late', 1);
    subscriber.close();
    late!.holding = true;
    for (const value of [2, 3]) publisher.send({ op: 'pub', room: 'late', data: value, id: `${value}` });
    await publisher.next('ack', (frame) => frame.id === '3');
    const back = await connect(replica);
    await back.join('late', { offset: 1, epoch });
    await back.waitForMessages('late', 2);
    late!.release();
    publisher.send({ op: 'pub', room: 'late', data: 4, id: '4' });
    await keeper.waitForMessages('late', 4);
    await back.waitForMessages('late', 3);
    expect(back.messages('late').map((frame) => frame.data)).toEqual([2, 3, 4]);
  });

  it('signals missed when since is older than the retained window or from another epoch', async () => {
    replicas.push(await startInProcess({ HISTORY_SIZE: '3' }));
    const replica = replicas[0]!;
    const client = await connect(replica);
    const joined = await client.join('small');
    const epoch = (joined.position as { epoch: string }).epoch;
    for (let index = 1; index <= 6; index += 1)
      client.send({ op: 'pub', room: 'small', data: index, id: `${index}` });
    await client.next('ack', (frame) => frame.id === '6');
    const other = await connect(replica);
    expect(await other.join('small', { offset: 1, epoch })).toMatchObject({ missed: true, recovered: false });
    const third = await connect(replica);
    expect(await third.join('small', { offset: 5, epoch: 'not-the-epoch' })).toMatchObject({ missed: true });
    const fourth = await connect(replica);
    expect(await fourth.join('small', { offset: 4, epoch })).toMatchObject({
      missed: false,
      recovered: true,
    });
    expect((await fourth.waitForMessages('small', 2)).map((frame) => frame.data)).toEqual([5, 6]);
  });

  it('relays typing to the other members only, and refuses typing outside a joined room', async () => {
    replicas.push(await startInProcess());
    const replica = replicas[0]!;
    const typist = await connect(replica);
    const reader = await connect(replica);
    await typist.join('t');
    await reader.join('t');
    typist.send({ op: 'typing', room: 't' });
    await reader.next('typing');
    typist.send({ op: 'typing', room: 'elsewhere' });
    expect(await typist.next('error')).toMatchObject({ code: 'not_joined' });
    expect(typist.frames.filter((frame) => frame.op === 'typing')).toEqual([]);
  });

  it('counts and drops bus payloads it cannot decode, and keeps delivering', async () => {
    const broker = new MemoryBroker();
    replicas.push(await startInProcess({}, broker));
    const replica = replicas[0]!;
    const client = await connect(replica);
    await client.join('noisy');
    broker.publishRaw('noisy', 'not a bus payload');
    await expect
      .poll(() => metricValue(replica.service.metrics.registry, 'wslab_bus_decode_errors_total'))
      .toBe(1);
    client.send({ op: 'pub', room: 'noisy', data: 'fine' });
    expect((await client.waitForMessages('noisy', 1))[0]).toMatchObject({ data: 'fine' });
  });

  it('answers join with unavailable when the bus is down, and recovers', async () => {
    const broker = new MemoryBroker();
    replicas.push(await startInProcess({}, broker));
    const client = await connect(replicas[0]!);
    broker.setAvailable(false);
    client.send({ op: 'join', room: 'down' });
    expect(await client.next('error')).toMatchObject({ code: 'unavailable' });
    const ready = await fetch(`${replicas[0]!.httpUrl}/readyz`);
    expect(ready.status).toBe(503);
    broker.setAvailable(true);
    expect(await client.join('down')).toMatchObject({ op: 'joined' });
    expect((await fetch(`${replicas[0]!.httpUrl}/readyz`)).status).toBe(200);
  });
});

/** Delegates to a bus, but while `holding` keeps live entries back until `release()`. */
class LateDeliveryBus implements Bus {
  holding = false;
  private readonly held: BusEntry[] = [];
  private readonly listeners: Array<(entry: BusEntry) => void> = [];
  readonly publish: Bus['publish'];
  readonly position: Bus['position'];
  readonly readSince: Bus['readSince'];
  readonly subscribe: Bus['subscribe'];
  readonly unsubscribe: Bus['unsubscribe'];
  readonly onStateChange: Bus['onStateChange'];
  readonly onDecodeError: Bus['onDecodeError'];
  readonly close: Bus['close'];

  constructor(private readonly inner: Bus) {
    this.publish = inner.publish.bind(inner);
    this.position = inner.position.bind(inner);
    this.readSince = inner.readSince.bind(inner);
    this.subscribe = inner.subscribe.bind(inner);
    this.unsubscribe = inner.unsubscribe.bind(inner);
    this.onStateChange = inner.onStateChange.bind(inner);
    this.onDecodeError = inner.onDecodeError.bind(inner);
    this.close = inner.close.bind(inner);
    inner.onMessage((entry) => {
      if (this.holding) this.held.push(entry);
      else for (const listener of this.listeners) listener(entry);
    });
  }

  get mode() {
    return this.inner.mode;
  }
  get historyEnabled() {
    return this.inner.historyEnabled;
  }
  get state() {
    return this.inner.state;
  }

  onMessage(listener: (entry: BusEntry) => void): void {
    this.listeners.push(listener);
  }

  release(): void {
    this.holding = false;
    for (const entry of this.held.splice(0)) for (const listener of this.listeners) listener(entry);
  }
}
