/**
 * A TCP helper run as a child process on a lab host (tests only).
 *   echo <port>            echo every byte back; prints `listening` once bound, then each peer's address
 *   send <port> <bytes>    send <bytes> bytes to every client that connects, then close
 *   connect <host> <port>  connect, send `ping`, print what comes back, exit 0
 */
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
  socket.setTimeout(10_000, () => {
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
} else {
  process.stderr.write(`tcp-tool: unknown mode ${mode}\n`);
  process.exit(2);
}
