/**
 * Entry point of a shard child process (forked by shard-pool.ts with tsx and an IPC channel).
 * Exits when the coordinator disconnects, so a crashed coordinator leaves no orphan.
 */
import type { ShardCommand, ShardMessage } from './shard-protocol.js';
import { serveShard } from './shard-runtime.js';

if (!process.send) throw new Error('shard-main: must be started with an IPC channel');

const server = serveShard(
  {
    post: (message: ShardMessage) => process.send?.(message),
    onCommand: (handler) => process.on('message', (command) => handler(command as ShardCommand)),
  },
  true,
);

process.on('disconnect', () => {
  server.stop();
  process.exit(0);
});
