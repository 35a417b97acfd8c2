import WebSocket from 'ws';

// Child process of idle-memory.ts: opens N WebSocket connections to one replica, joins each to a room,
// prints {"ready":N} and then holds them, idle, until SIGTERM. Kept out of the replica's process
// so the replica's RSS is its own.
const [url = '', countText = '0', roomsText = '0'] = process.argv.slice(2);
const count = Number(countText);
const rooms = Number(roomsText);
const BATCH = 200;
const sockets: WebSocket[] = [];

function openOne(index: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    sockets.push(socket);
    socket.once('error', reject);
    socket.once('open', () => {
      if (rooms > 0) socket.send(JSON.stringify({ op: 'join', room: `idle-${index % rooms}` }));
      resolve();
    });
  });
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
