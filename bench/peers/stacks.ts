/**
 * The stacks `bench:peers` compares. Each is started fresh for its turn: two servers behind the
 * same HAProxy config (or clients straight to the servers), on the run's one Redis or Redis
 * Cluster, and reports the pids of every component so CPU is read per component.
 */
import { join } from 'node:path';
import { startHaproxy } from '../../runtime/haproxy.js';
import type { RedisClusterHandle, RedisServerHandle } from '../../runtime/redis.js';
import type { RunningProxy } from '../../runtime/running-proxy.js';
import {
  benchRawServer,
  benchReplicas,
  benchSocketIoServer,
  PROXY_BENCH_OPTIONS,
  type SocketIoRedis,
} from '../bench-topology.js';

/** Every target, in the order a run interleaves them. */
export const PEER_TARGETS = [
  'raw',
  'wslab',
  'wslab-direct',
  'wslab-nohist',
  'wslab-baseline',
  'sio-redis',
  'sio-sharded',
  'sio-streams',
] as const;
export type PeerTarget = (typeof PEER_TARGETS)[number];

export const TARGET_LABELS: Record<PeerTarget, string> = {
  raw: 'plain ws (1 process, no Redis, no proxy)',
  wslab: 'wslab, history on',
  'wslab-direct': 'wslab, history on, no proxy',
  'wslab-nohist': 'wslab, history off',
  'wslab-baseline': 'wslab at the baseline commit, history on',
  'sio-redis': 'Socket.IO + redis-adapter (classic)',
  'sio-sharded': 'Socket.IO + redis-adapter (sharded, cluster)',
  'sio-streams': 'Socket.IO + redis-streams-adapter + recovery',
};

/** The run's shared backing services (started once; a stack uses what it needs). */
export interface PeerBacking {
  logDir: string;
  redis: RedisServerHandle;
  /** Started only when a sharded target runs. */
  cluster: () => Promise<RedisClusterHandle>;
  /** `app/src/main.ts` of the baseline copy (see baseline.ts); null without --baseline. */
  baselineEntry: string | null;
  /** Profile wslab replicas (`node --cpu-prof` into this dir); they then stop with SIGTERM so it is written. */
  profileDir?: string;
}

export interface RunningStack {
  target: PeerTarget;
  protocol: 'wslab' | 'socketio';
  urls: string[];
  serverPids: number[];
  proxyPids: number[];
  redisPids: number[];
  /** Clients per server process when all are connected (memory per connection). */
  serverCount: number;
  /** SIGKILLs the first server; null for a one-process stack (nothing to fail over to). */
  killOne: (() => Promise<void>) | null;
  stop(): Promise<void>;
}

interface Server {
  wsUrl: string;
  port: number;
  pid: number;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

async function startServers(target: PeerTarget, backing: PeerBacking, dir: string): Promise<Server[]> {
  if (target.startsWith('wslab')) {
    const history = target === 'wslab-nohist' ? 'off' : 'on';
    if (target === 'wslab-baseline' && backing.baselineEntry === null)
      throw new Error('wslab-baseline needs --baseline <git ref>');
    const entry = target === 'wslab-baseline' ? (backing.baselineEntry ?? undefined) : undefined;
    const replicas = await benchReplicas(
      dir,
      backing.redis,
      2,
      {
        history: history === 'on',
        ...(backing.profileDir === undefined ? {} : { drainWindowMs: 200 }),
      },
      {
        ...(entry === undefined ? {} : { entry }),
        namePrefix: target,
        ...(backing.profileDir === undefined
          ? {}
          : { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${backing.profileDir}`] }),
      },
    );
    return replicas.map((r) => ({
      wsUrl: r.wsUrl,
      port: r.port,
      pid: r.process.pid,
      kill: () => r.kill(),
      stop: async () => {
        await r.stop(backing.profileDir === undefined ? 'SIGKILL' : 'SIGTERM');
      },
    }));
  }
  const redis: SocketIoRedis =
    target === 'sio-sharded'
      ? { adapter: 'sharded', clusterNodes: (await backing.cluster()).seeds }
      : { adapter: target === 'sio-streams' ? 'streams' : 'redis', redisUrl: backing.redis.url };
  return Promise.all(
    [0, 1].map(async (i) => {
      const server = await benchSocketIoServer(dir, `${target}-${i}`, redis);
      return {
        wsUrl: server.wsUrl,
        port: server.port,
        pid: server.pid,
        kill: server.kill,
        stop: server.stop,
      };
    }),
  );
}

/** Starts `target`'s stack under `backing.logDir/<target>-<turn>`. */
export async function startStack(
  target: PeerTarget,
  backing: PeerBacking,
  turn: number,
): Promise<RunningStack> {
  const dir = join(backing.logDir, `${target}-${turn}`);
  if (target === 'raw') {
    const raw = await benchRawServer(dir);
    return {
      target,
      protocol: 'wslab',
      urls: [raw.wsUrl],
      serverPids: [raw.pid],
      proxyPids: [],
      redisPids: [],
      serverCount: 1,
      killOne: null,
      stop: () => raw.stop(),
    };
  }
  const servers = await startServers(target, backing, dir);
  const protocol = target.startsWith('sio') ? 'socketio' : 'wslab';
  const redisPids =
    target === 'sio-sharded' ? (await backing.cluster()).nodes.map((n) => n.pid) : [backing.redis.pid];
  let proxy: RunningProxy | null = null;
  if (target !== 'wslab-direct') {
    proxy = await startHaproxy({
      dir: join(dir, 'haproxy'),
      options: {
        backends: servers.map((s, i) => ({ id: `s${i}`, host: '127.0.0.1', port: s.port })),
        ...PROXY_BENCH_OPTIONS,
      },
    });
  }
  const urls = proxy === null ? servers.map((s) => s.wsUrl) : [`${proxy.wsUrl}/ws`];
  return {
    target,
    protocol,
    urls,
    serverPids: servers.map((s) => s.pid),
    proxyPids: proxy === null ? [] : [proxy.pid, ...(await proxy.workerPids())],
    redisPids,
    serverCount: servers.length,
    killOne: () => servers[0]!.kill(),
    stop: async () => {
      await proxy?.stop();
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}
