import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabNetwork } from '../../runtime/hosts/lab-network.js';
import { type ManagedProcess, stopAll } from '../../runtime/managed-process.js';
import { waitFor } from '../../runtime/wait-for.js';
import { startServer, startTool, waitForLog } from '../../test-support/hosts/tools.js';
import { bandwidthCap, blackholeHost, freezeProcess, lossyLink, type Nemesis, partition } from './silent.js';

const root = mkdtempSync(join(tmpdir(), 'wslab-silent-'));
const logDir = join(root, 'logs');
/** How long a fault must show no answer and no close: longer than the first TCP retransmissions. */
const SILENCE_MS = 1_500;

/** A TCP client of an echo server that records what comes back and every end of the connection. */
class EchoClient {
  readonly socket: Socket;
  received = '';
  ends: string[] = [];
  constructor(host: string, port: number) {
    this.socket = connect({ host, port });
    this.socket.on('data', (data) => {
      this.received += data.toString();
    });
    for (const event of ['close', 'end', 'error'] as const)
      this.socket.on(event, () => this.ends.push(event));
  }
  connected(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
  }
  /** Sends `text` and resolves once it has come back (or rejects after `timeoutMs`). */
  async roundTrip(text: string, timeoutMs = 15_000): Promise<void> {
    this.socket.write(text);
    await waitFor(() => this.received.includes(text), { timeoutMs, description: `"${text}" echoed` });
  }
}

let network: LabNetwork;
const injected: Nemesis[] = [];

async function inject(nemesis: Nemesis): Promise<void> {
  injected.push(nemesis);
  const outcome = await nemesis.inject();
  expect(outcome.kind).toBe(nemesis.fault);
}

beforeAll(async () => {
  network = await LabNetwork.create({
    name: 'silent',
    hosts: [{ name: 'a' }, { name: 'b' }, { name: 'c' }],
  });
});

afterAll(async () => {
  await Promise.allSettled(injected.map((nemesis) => nemesis.undo()));
  await stopAll();
  await network?.remove();
  rmSync(root, { recursive: true, force: true });
});

describe('silent faults on lab hosts: each one stalls without RST or FIN, and its heal restores traffic', () => {
  let echoB: ManagedProcess;
  beforeAll(async () => {
    echoB = await startServer('echo-b', ['echo', '7000'], logDir, network.host('b'));
  });

  it('freeze: a SIGSTOPped server holds the connection open and answers nothing; SIGCONT answers', async () => {
    const server = await startServer('echo-freeze', ['echo', '7001'], logDir, network.host('c'));
    const client = new EchoClient(network.host('c').address, 7001);
    await client.connected();
    await client.roundTrip('before');
    const nemesis = freezeProcess(server);
    await inject(nemesis);
    client.socket.write('frozen');
    await sleep(SILENCE_MS);
    expect(client.received).not.toContain('frozen');
    expect(client.ends).toEqual([]);
    expect((await nemesis.undo()).kind).toBe('heal-freeze');
    await waitFor(() => client.received.includes('frozen'), { description: 'the echo after SIGCONT' });
    client.socket.destroy();
  });

  it('blackhole: an open connection to the host stalls with no close event; new connects hang, not refused', async () => {
    const client = new EchoClient(network.host('b').address, 7000);
    await client.connected();
    await client.roundTrip('before');
    const nemesis = blackholeHost(network, network.host('b'));
    await inject(nemesis);
    client.socket.write('dark');
    const late = new EchoClient(network.host('b').address, 7000);
    let lateConnected = false;
    late.socket.once('connect', () => {
      lateConnected = true;
    });
    await sleep(SILENCE_MS);
    expect(client.received).not.toContain('dark');
    expect(client.ends).toEqual([]);
    expect(lateConnected).toBe(false);
    expect(late.ends).toEqual([]);
    const healed = await nemesis.undo();
    expect(healed.figures.droppedPackets).toBeGreaterThan(0);
    // TCP's retransmission carries what was held; the held SYN is retried too
    await waitFor(() => client.received.includes('dark'), {
      timeoutMs: 20_000,
      description: 'the echo after the heal',
    });
    await waitFor(() => lateConnected, { timeoutMs: 20_000, description: 'the held connect after the heal' });
    expect(await network.firewall.listRules()).toEqual([]);
    client.socket.destroy();
    late.socket.destroy();
  });

  it('partition: {a} | {b} drops both directions silently while the gateway still reaches b', async () => {
    const nemesis = partition(network, [network.host('a')], [network.host('b')]);
    await inject(nemesis);
    const cut = startTool(
      'a-to-b-cut',
      ['connect', network.host('b').address, '7000', String(SILENCE_MS)],
      logDir,
      network.host('a'),
    );
    const fromGateway = new EchoClient(network.host('b').address, 7000);
    await fromGateway.connected();
    await fromGateway.roundTrip('gateway side');
    expect((await cut.exited).code).toBe(2);
    await waitForLog(cut, 'timeout');
    await nemesis.undo();
    const healed = startTool(
      'a-to-b-healed',
      ['connect', network.host('b').address, '7000'],
      logDir,
      network.host('a'),
    );
    expect((await healed.exited).code).toBe(0);
    await waitForLog(healed, 'got ping');
    fromGateway.socket.destroy();
  });

  it('loss: 5% on a link drops roughly 5% each way (UDP echo: about 1 - 0.95² lost); healed, none', async () => {
    const port = 7100;
    await startServer('udp-c', ['udp-echo', String(port)], logDir, network.host('c'));
    const probe = async (datagrams: number): Promise<number> => {
      const socket = createSocket('udp4');
      let echoed = 0;
      socket.on('message', () => {
        echoed += 1;
      });
      await new Promise<void>((resolve) => socket.bind(0, resolve));
      // bounded: `datagrams` sends, in batches of 50 a few ms apart (no queue overflows on a busy machine)
      for (let sent = 0; sent < datagrams; sent += 50) {
        for (let index = 0; index < 50; index += 1)
          socket.send(`${sent + index}`, port, network.host('c').address);
        await sleep(5);
      }
      let last = -1;
      await waitFor(
        () => {
          const settled = echoed === last;
          last = echoed;
          return settled || echoed === datagrams;
        },
        { intervalMs: 300, timeoutMs: 10_000 },
      );
      socket.close();
      return 1 - echoed / datagrams;
    };
    // a busy machine may lose a datagram in a socket buffer; the link itself loses none
    expect(await probe(200)).toBeLessThanOrEqual(0.01);
    const nemesis = lossyLink(network, network.host('c'), 5);
    await inject(nemesis);
    const lossy = await probe(2_000);
    process.stdout.write(
      `silent faults: 5% loss per direction measured ${(lossy * 100).toFixed(1)}% round-trip loss (expected 9.75%)\n`,
    );
    expect(lossy).toBeGreaterThan(0.05);
    expect(lossy).toBeLessThan(0.15);
    await nemesis.undo();
    expect(await probe(200)).toBeLessThanOrEqual(0.01);
  });

  it('bandwidth: a tbf cap slows a transfer to about the cap; healed, it is fast again', async () => {
    const bytes = 500_000;
    await startServer('send-a', ['send', '7200', String(bytes)], logDir, network.host('a'));
    const mbitPerS = () =>
      new Promise<number>((resolve, reject) => {
        const startedAtMs = performance.now();
        let received = 0;
        const socket = connect({ host: network.host('a').address, port: 7200 });
        socket.on('data', (chunk) => {
          received += chunk.length;
        });
        socket.on('end', () => resolve((received * 8) / 1e6 / ((performance.now() - startedAtMs) / 1000)));
        socket.on('error', reject);
      });
    const nemesis = bandwidthCap(network.host('a'), 4);
    await inject(nemesis);
    const capped = await mbitPerS();
    await nemesis.undo();
    const free = await mbitPerS();
    process.stdout.write(
      `silent faults: 4 Mbit/s cap measured ${capped.toFixed(2)} Mbit/s, healed ${free.toFixed(0)} Mbit/s\n`,
    );
    expect(capped).toBeLessThan(4 * 1.3);
    expect(free).toBeGreaterThan(capped * 3);
  });

  afterAll(async () => {
    await echoB?.stop();
  });
});
