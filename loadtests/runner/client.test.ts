/**
 * The resilient client against a tiny scripted ws server: it reconnects after an abnormal close,
 * re-joins with `since` = the last position it saw, marks replays, records the outage, and stops
 * for good on a terminal close code.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import type { JoinFrame } from '../../app/src/contracts/protocol.js';
import { waitFor } from '../../runtime/wait-for.js';
import { type Outage, ResilientClient } from './client.js';

let server: WebSocketServer | null = null;
const clients: ResilientClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.stop();
  if (server) {
    for (const socket of server.clients) socket.terminate();
    await new Promise((resolve) => server!.close(resolve));
  }
  server = null;
});

async function scriptedServer(
  onJoin: (socket: WebSocket, frame: JoinFrame, count: number) => void,
): Promise<string> {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  let joins = 0;
  server.on('connection', (socket) => {
    socket.on('message', (raw) => {
      const frame = JSON.parse(raw.toString()) as JoinFrame;
      if (frame.op === 'join') onJoin(socket, frame, ++joins);
    });
  });
  await new Promise((resolve) => server!.once('listening', resolve));
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`;
}

function msg(socket: WebSocket, offset: number): void {
  socket.send(
    JSON.stringify({ op: 'msg', room: 'r', offset, epoch: 'e1', ts: Date.now(), data: { n: offset } }),
  );
}

describe('ResilientClient', () => {
  it('resumes from the last offset seen after an abnormal close, and records the outage', async () => {
    const joins: JoinFrame[] = [];
    const url = await scriptedServer((socket, frame, count) => {
      joins.push(frame);
      if (count === 1) {
        socket.send(
          JSON.stringify({
            op: 'joined',
            room: 'r',
            position: { offset: 0, epoch: 'e1' },
            recovered: false,
            missed: false,
          }),
        );
        msg(socket, 1);
        msg(socket, 2);
        // The replica dies: no close frame.
        setTimeout(() => socket.terminate(), 20);
      } else {
        socket.send(
          JSON.stringify({
            op: 'joined',
            room: 'r',
            position: { offset: 3, epoch: 'e1' },
            recovered: true,
            missed: false,
          }),
        );
        msg(socket, 3);
        msg(socket, 4);
      }
    });
    const received: Array<[number, boolean]> = [];
    const ended: Outage[] = [];
    const client = new ResilientClient({
      urls: [url],
      urlIndex: 0,
      backoff: { initialMs: 20, maxMs: 50 },
      handshakeTimeoutMs: 2_000,
      reconnect: true,
      listener: {
        onMessage: (frame, replayed) => received.push([frame.offset!, replayed]),
        onOutageEnd: (outage) => ended.push(outage),
      },
    });
    clients.push(client);
    await client.start();
    await client.join('r');
    await waitFor(() => received.length === 4, { timeoutMs: 5_000 });
    expect(joins[1]).toEqual({ op: 'join', room: 'r', since: { offset: 2, epoch: 'e1' } });
    expect(received).toEqual([
      [1, false],
      [2, false],
      [3, true],
      [4, false],
    ]);
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ closeCode: 1006, url });
    expect(ended[0]!.rejoinedAtMs).toBeGreaterThanOrEqual(ended[0]!.downAtMs);
    expect(ended[0]!.firstMessageAtMs).toBeGreaterThanOrEqual(ended[0]!.rejoinedAtMs!);
  });

  it('moves to the next URL when the first one refuses connections', async () => {
    const url = await scriptedServer((socket) => {
      socket.send(
        JSON.stringify({ op: 'joined', room: 'r', position: null, recovered: false, missed: false }),
      );
    });
    const failures: Error[] = [];
    const client = new ResilientClient({
      urls: ['ws://127.0.0.1:1/ws', url],
      urlIndex: 0,
      backoff: { initialMs: 10, maxMs: 20 },
      handshakeTimeoutMs: 2_000,
      reconnect: true,
      listener: { onConnectFailure: (error) => failures.push(error) },
    });
    clients.push(client);
    await client.start();
    expect(failures.length).toBeGreaterThanOrEqual(1);
    expect(client.currentUrl).toBe(url);
  });

  it('does not reconnect after a terminal close code', async () => {
    const url = await scriptedServer((socket) => socket.close(1008, 'policy'));
    const terminal: number[] = [];
    let opens = 0;
    const client = new ResilientClient({
      urls: [url],
      urlIndex: 0,
      backoff: { initialMs: 10, maxMs: 20 },
      handshakeTimeoutMs: 2_000,
      reconnect: true,
      listener: { onTerminalClose: (code) => terminal.push(code), onOpen: () => (opens += 1) },
    });
    clients.push(client);
    await client.start();
    void client.join('r');
    await waitFor(() => terminal.length === 1);
    expect(terminal).toEqual([1008]);
    expect(server!.clients.size).toBe(0);
    expect(client.outages).toHaveLength(0);
    expect(opens).toBe(1);
  });
});
