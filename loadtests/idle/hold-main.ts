/**
 * Idle clients as their own process (bench/idle-memory.ts spawns it, so the replica's RSS is its
 * own): opens N WebSocket connections to one replica, 200 at a time, each joining one of R rooms
 * (none when R is 0), prints {"ready":N} and holds them, idle, until SIGTERM.
 * Usage: node --import tsx loadtests/idle/hold-main.ts <url> <connections> <rooms>
 */
import type WebSocket from 'ws';
import { openIdleSocket } from './idle-socket.js';

const [url = '', countText = '0', roomsText = '0'] = process.argv.slice(2);
const count = Number(countText);
const rooms = Number(roomsText);
const BATCH = 200;
const sockets: WebSocket[] = [];

async function openOne(index: number): Promise<void> {
  const socket = await openIdleSocket(url, rooms > 0 ? { room: `idle-${index % rooms}` } : {});
  if (!socket) throw new Error(`connection ${index} to ${url} did not open`);
  sockets.push(socket);
}

for (let start = 0; start < count; start += BATCH) {
  await Promise.all(
    Array.from({ length: Math.min(BATCH, count - start) }, (_, offset) => openOne(start + offset)),
  );
}
process.stdout.write(`${JSON.stringify({ ready: sockets.length })}\n`);
process.on('SIGTERM', () => {
  for (const socket of sockets) socket.terminate();
  process.exit(0);
});
setInterval(() => undefined, 60_000);
