/**
 * A TCP helper run as a child process on a lab host (tests only).
 *   echo <port>            echo every byte back; prints `listening` once bound, then each peer's address
 *   send <port> <bytes>    send <bytes> bytes to every client that connects, then close
 *   connect <host> <port> [timeoutMs]  connect, send `ping`, print what comes back (exit 0),
 *                          `timeout` (exit 2: nothing came back, nothing refused) or `error …` (exit 1)
 *   udp-echo <port>        echo every datagram back; prints `listening` once bound
 */
import { createSocket } from 'node:dgram';
import { createConnection, createServer } from 'node:net';

const [mode, ...args] = process.argv.slice(2);

if (mode === 'echo') {
  const server = createServer((socket) => {
    process.stdout.write(`peer ${socket.remoteAddress}\n`);
    socket.pipe(socket);
    socket.on('error', () => undefined);
  });
  server.listen(Number(args[0]), '0.0.0.0', () => process.stdout.write('listening\n'));
} else if (mode === 'send') {
  const bytes = Number(args[1]);
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.end(Buffer.alloc(bytes, 120));
  });
  server.listen(Number(args[0]), '0.0.0.0', () => process.stdout.write('listening\n'));
} else if (mode === 'connect') {
  const socket = createConnection({ host: args[0], port: Number(args[1]) }, () => socket.write('ping'));
  socket.setTimeout(Number(args[2] ?? 10_000), () => {
    process.stdout.write('timeout\n');
    process.exit(2);
  });
  socket.on('data', (data) => {
    process.stdout.write(`got ${data.toString()}\n`);
    socket.end();
    process.exit(0);
  });
  socket.on('error', (error) => {
    process.stdout.write(`error ${error.message}\n`);
    process.exit(1);
  });
} else if (mode === 'udp-echo') {
  const socket = createSocket('udp4');
  socket.on('message', (message, peer) => socket.send(message, peer.port, peer.address));
  socket.bind(Number(args[0]), '0.0.0.0', () => process.stdout.write('listening\n'));
} else {
  process.stderr.write(`tcp-tool: unknown mode ${mode}\n`);
  process.exit(2);
}
