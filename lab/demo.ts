import { resolve } from 'node:path';
import { ProbeClient } from '../loadtests/probe/probe-client.js';
import { type ReplicaSlot, Topology } from '../runtime/local/local-topology.js';

// A one-second tour (`npm run demo`): one Redis, two replicas, a short scripted exchange
// between clients on different replicas, printed as it happens; everything stopped at the end.

type Frame = Record<string, unknown> & { op: string };

/** A named demo client on the load runner's probe client (every WebSocket client lives in loadtests/). */
class DemoClient {
  private constructor(
    readonly name: string,
    private readonly probe: ProbeClient,
  ) {}

  static async connect(name: string, replica: ReplicaSlot, token: string | undefined): Promise<DemoClient> {
    const probe = await ProbeClient.connect(replica.wsUrl, {
      timeoutMs: 10_000,
      ...(token === undefined ? {} : { token }),
    });
    say(`${name} connected to ${probe.instance}`);
    return new DemoClient(name, probe);
  }

  send(frame: object): void {
    this.probe.send(frame);
  }

  async next(op: string, where: (frame: Frame) => boolean = () => true): Promise<Frame> {
    const matches = (frame: object): boolean => (frame as Frame).op === op && where(frame as Frame);
    return (await this.probe.next(matches, 10_000)) as unknown as Frame;
  }

  close(): void {
    this.probe.terminate();
  }
}

const startedAt = Date.now();
function say(line: string): void {
  process.stdout.write(`[${((Date.now() - startedAt) / 1000).toFixed(2).padStart(6)}s] ${line}\n`);
}

const dir = resolve('.lab', 'demo', String(Date.now()));
// The lab's topology layer, without a proxy: Redis with a password (like every lab and Pulumi
// Redis), two replicas with the publish API on, short drains so the demo ends quickly.
const topology = await Topology.start({
  dir,
  proxy: 'none',
  replicas: 2,
  drainWindowMs: 1000,
  logLevel: 'warn',
});
const clients: DemoClient[] = [];
try {
  say(`redis-server on 127.0.0.1:${topology.redisPorts().join(', ')}`);
  const replicas = topology.replicas;
  for (const replica of replicas) {
    say(`replica ${replica.id} on ${replica.httpUrl} (pid ${replica.handle?.process.pid})`);
  }
  const [r1, r2] = replicas as [ReplicaSlot, ReplicaSlot];
  // Each person gets a token for the lobby only, minted from this topology's secret.
  const token = await topology.clientToken({ rooms: ['lobby'], pub: ['lobby'] }, 600);
  say(
    token === undefined
      ? 'auth: none (anyone may connect)'
      : 'auth: jwt (each client offers a token for the lobby)',
  );

  const alice = await DemoClient.connect('alice', r1, token);
  const bob = await DemoClient.connect('bob', r2, token);
  clients.push(alice, bob);
  for (const client of [alice, bob]) {
    client.send({ op: 'join', room: 'lobby' });
    const joined = await client.next('joined');
    say(`${client.name} joined lobby at offset ${(joined.position as { offset: number }).offset}`);
  }

  let lastSeen = { offset: 0, epoch: '' };
  for (const text of ['hello bob', 'this crosses replicas through Redis', 'third']) {
    const sentAt = Date.now();
    alice.send({ op: 'pub', room: 'lobby', data: { from: 'alice', text }, id: text });
    const ack = await alice.next('ack', (frame) => frame.id === text);
    const msg = await bob.next('msg');
    lastSeen = { offset: msg.offset as number, epoch: msg.epoch as string };
    say(`alice → "${text}": acked at offset ${ack.offset}; bob got it on r2 after ${Date.now() - sentAt} ms`);
  }

  bob.close();
  say('bob disconnects');
  for (const text of ['while you were away', 'still away?']) {
    alice.send({ op: 'pub', room: 'lobby', data: { from: 'alice', text }, id: text });
    await alice.next('ack', (frame) => frame.id === text);
    say(`alice → "${text}" (bob is offline)`);
  }

  const bobAgain = await DemoClient.connect('bob', r1, token);
  clients.push(bobAgain);
  bobAgain.send({ op: 'join', room: 'lobby', since: lastSeen });
  const rejoined = await bobAgain.next('joined');
  say(
    `bob rejoins on r1 with since=${lastSeen.offset}: recovered=${rejoined.recovered} missed=${rejoined.missed}`,
  );
  for (let count = 0; count < 2; count += 1) {
    const msg = await bobAgain.next('msg');
    say(`bob catches up: offset ${msg.offset} "${(msg.data as { text: string }).text}"`);
  }

  const response = await fetch(`${r2.httpUrl}/api/publish`, {
    method: 'POST',
    headers: { 'x-api-key': topology.publishApiKey, 'content-type': 'application/json' },
    body: JSON.stringify({ room: 'lobby', data: { from: 'backup-job', progress: 100 } }),
  });
  say(`a backend job POSTs /api/publish on r2: ${response.status} ${await response.text()}`);
  for (const client of [alice, bobAgain]) {
    const msg = await client.next('msg', (frame) => (frame.data as { from?: string }).from === 'backup-job');
    say(`${client.name} gets the job's progress: ${JSON.stringify(msg.data)} at offset ${msg.offset}`);
  }

  for (const replica of replicas) {
    const metrics = await (await fetch(`${replica.httpUrl}/metrics`)).text();
    const delivered = /^wslab_messages_delivered_total\{[^}]*\} (\S+)$/m.exec(metrics)?.[1];
    say(`${replica.id}: ${delivered} messages delivered to its clients (GET /metrics)`);
  }
  say('done; stopping everything');
} finally {
  for (const client of clients) client.close();
  await topology.stop();
}
