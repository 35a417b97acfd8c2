import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { connectProbe } from '../abuse/connect-probe.js';
import { holdIdleConnections } from './hold.js';
import { openIdleSocket } from './idle-socket.js';
import { rampIdleConnections } from './ramp.js';

const servers: WebSocketServer[] = [];

/** A ws server on a free loopback port that records the frames it gets; `onConnection` may act on each socket. */
async function server(onConnection: (index: number, close: (code: number) => void) => void = () => {}) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  servers.push(wss);
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const frames: string[] = [];
  let connections = 0;
  wss.on('connection', (socket) => {
    socket.on('message', (data) => frames.push(String(data)));
    onConnection(connections++, (code) => socket.close(code));
  });
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws`, frames, wss };
}

afterEach(async () => {
  for (const wss of servers.splice(0)) {
    for (const client of wss.clients) client.terminate();
    await new Promise((resolve) => wss.close(resolve));
  }
});

describe('idle connections', () => {
  it('joins the room once open and sends nothing else', async () => {
    const { url, frames } = await server();
    const socket = await openIdleSocket(url, { room: 'r1' });
    expect(socket).toBeDefined();
    await expect.poll(() => frames).toEqual([JSON.stringify({ op: 'join', room: 'r1' })]);
    socket?.terminate();
  });

  it('resolves undefined when nothing listens', async () => {
    const { url, wss } = await server();
    await new Promise((resolve) => wss.close(resolve));
    expect(await openIdleSocket(url, { handshakeTimeoutMs: 1_000 })).toBeUndefined();
  });

  it('hold records which connection the server closed, with its code', async () => {
    const { url } = await server((index, close) => {
      if (index === 0) setTimeout(() => close(4001), 50);
    });
    const run = await holdIdleConnections(url, { count: 3, holdMs: 300, sampleEveryMs: 50 });
    expect(run.failedToOpen).toBe(0);
    expect(run.outcomes.filter((outcome) => outcome.closeCode === 4001)).toHaveLength(1);
    expect(run.outcomes.filter((outcome) => outcome.closedAtMs === undefined)).toHaveLength(2);
    expect(run.timeline.at(-1)?.connected).toBe(2);
  });

  it('ramp stops at the budget and reads memory after each batch', async () => {
    const { url, wss } = await server();
    const result = await rampIdleConnections(url, {
      batch: 2,
      maxConnections: 5,
      rooms: 2,
      readMemoryMiB: () => wss.clients.size,
      exitReason: () => undefined,
      settleMs: 20,
    });
    expect(result.ended).toBe('budget reached');
    expect(result.held).toBe(4);
    expect(result.points.map((point) => point.connections)).toEqual([0, 2, 4]);
  });

  it('the connect probe times successful upgrades and counts refused ones', async () => {
    const { url } = await server();
    const ok = await connectProbe({ url, localAddress: '127.0.0.1', everyMs: 20, durationMs: 100 });
    expect(ok.failures).toBe(0);
    expect(ok.attempts).toBeGreaterThan(0);
    expect(ok.p99Ms).toBeGreaterThan(0);
  });
});
