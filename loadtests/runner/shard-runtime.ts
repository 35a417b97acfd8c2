/**
 * Runs one shard behind a ShardPort: the same code inline (in the coordinator's process) or in a
 * child process (shard-main.ts).
 */
import { RampShard } from './ramp-shard.js';
import type { ShardCommand, ShardPort } from './shard-protocol.js';
import { StreamShard } from './stream-shard.js';

/** `reportsCpu`: a child process reports its own CPU; an inline shard leaves that to the parent. */
export function serveShard(port: ShardPort, reportsCpu: boolean): { stop(): void } {
  let stream: StreamShard | null = null;
  let ramp: RampShard | null = null;
  const fail = (error: unknown): void => {
    port.post({
      type: 'error',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  };
  const handle = (command: ShardCommand): void => {
    switch (command.type) {
      case 'init':
        if (command.plan.kind === 'stream') {
          stream = new StreamShard(command.plan, port, reportsCpu);
          stream.init().catch(fail);
        } else {
          ramp = new RampShard(command.plan, port, reportsCpu);
          ramp.init().catch(fail);
        }
        return;
      case 'publish':
        stream?.publish(command.startAtMs, command.durationMs, command.seed).catch(fail);
        return;
      case 'settle':
        stream?.settle(command.acked, command.timeoutMs).catch(fail);
        return;
      case 'finish':
        try {
          ramp?.finish();
        } catch (error) {
          fail(error);
        }
        return;
      case 'abort':
        stream?.stopAll();
        ramp?.stopAll();
        return;
    }
  };
  port.onCommand(handle);
  return {
    stop: () => {
      stream?.stopAll();
      ramp?.stopAll();
    },
  };
}
