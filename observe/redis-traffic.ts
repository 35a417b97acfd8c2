import type { Topology } from '../runtime/local/local-topology.js';
import { redisCli } from '../runtime/redis.js';

/** Counters summed over every live Redis node. */
export interface RedisTraffic {
  commands: number;
  netOutputBytes: number;
  /** PUBLISH + SPUBLISH calls. */
  publishCalls: number;
}

function field(info: string, name: string): number {
  const match = info.match(new RegExp(`^${name}:(\\d+)`, 'm'));
  return match ? Number(match[1]) : 0;
}

function calls(info: string, command: string): number {
  const match = info.match(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm'));
  return match ? Number(match[1]) : 0;
}

/** Reads INFO stats and commandstats of every node (the replication stream of a cluster counts too). */
export async function readRedisTraffic(topology: Topology): Promise<RedisTraffic> {
  const infos = await Promise.all(
    topology
      .components()
      .filter((component) => component.kind === 'redis')
      .map((node) =>
        redisCli(node.port, ['INFO', 'all'], topology.redisPassword, node.address).catch(() => ''),
      ),
  );
  return infos.reduce<RedisTraffic>(
    (total, info) => ({
      commands: total.commands + field(info, 'total_commands_processed'),
      netOutputBytes: total.netOutputBytes + field(info, 'total_net_output_bytes'),
      publishCalls: total.publishCalls + calls(info, 'publish') + calls(info, 'spublish'),
    }),
    { commands: 0, netOutputBytes: 0, publishCalls: 0 },
  );
}

/** Redis traffic during a run: after − before, as report metrics. */
export function redisTrafficMetrics(before: RedisTraffic, after: RedisTraffic, durationMs: number) {
  const seconds = Math.max(durationMs, 1) / 1000;
  return {
    redisCommandsPerS: Math.max(0, after.commands - before.commands) / seconds,
    redisOutKiBPerS: Math.max(0, after.netOutputBytes - before.netOutputBytes) / 1024 / seconds,
    redisPublishesPerS: Math.max(0, after.publishCalls - before.publishCalls) / seconds,
  };
}
