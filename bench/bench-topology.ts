/**
 * What the benchmarks start: Redis, replicas, the raw ws server, HAProxy and Nginx, all on
 * 127.0.0.1 through the lab's process helpers, stopped by their own pids at the end.
 */
import { fileURLToPath } from 'node:url';
import { PROXY_RANGES } from '../proxy/options.js';
import { LocalRedis } from '../runtime/local/local-redis.js';
import { LocalWsService } from '../runtime/local/local-ws-service.js';
import { ManagedProcess, stopAll } from '../runtime/managed-process.js';
import { freePort, isPortOpen } from '../runtime/ports.js';
import type { RedisClusterHandle, RedisServerHandle } from '../runtime/redis.js';
import type { ReplicaHandle } from '../runtime/replica.js';
import { waitFor } from '../runtime/wait-for.js';
import { resolveTopologySpec, type TopologySpecInput } from '../topology/spec.js';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Service settings for benchmarks: no publish rate cap (the runner sets the rate), quiet logs. */
export const BENCH_SPEC = {
  redisMode: 'single',
  publishRatePerS: 1_000_000,
  publishBurst: 1_000_000,
  logLevel: 'warn',
} as const satisfies TopologySpecInput;

/**
 * Proxy health checks for the benchmarks: the defaults (500 ms check timeout, fall 2) mark a
 * CPU-saturated replica DOWN and HAProxy then shuts every session (on-marked-down
 * shutdown-sessions), which measures the health check, not the proxy's fan-out path.
 */
export const PROXY_BENCH_OPTIONS = {
  stickiness: 'none',
  // Every client of a benchmark comes from 127.0.0.1: the per-address limits (1000 open, 500/s)
  // would refuse its own subscribers; benchmarks measure the fan-out path (`abuse` tests limits).
  limits: {
    workers: 1,
    connectionsPerAddress: PROXY_RANGES.connectionsPerAddress.max,
    connectRatePerAddressPerS: PROXY_RANGES.connectRatePerAddressPerS.max,
  },
  health: { timeoutMs: 2_000, intervalMs: 2_000, fall: 3 },
} as const;

/** One Redis server without AUTH (the peers' Socket.IO adapters connect to it too). */
export async function benchRedis(logDir: string): Promise<RedisServerHandle> {
  const redis = await LocalRedis.start({ dir: logDir, mode: 'single' });
  // single mode always has its server
  return redis.single as RedisServerHandle;
}

/** A 6-node Redis Cluster without AUTH (the Socket.IO sharded adapter's). */
export async function benchRedisCluster(dir: string): Promise<RedisClusterHandle> {
  const redis = await LocalRedis.start({ dir, mode: 'cluster' });
  return redis.cluster as RedisClusterHandle;
}

/** `count` replicas on `redis`, started together; `spec` changes BENCH_SPEC for this run. */
export async function benchReplicas(
  logDir: string,
  redis: RedisServerHandle,
  count: number,
  spec: TopologySpecInput = {},
  more: {
    /** Another copy of the service (e.g. an older commit's `app/src/main.ts`); default this tree's. */
    entry?: string;
    namePrefix?: string;
    nodeArgs?: readonly string[];
  } = {},
): Promise<ReplicaHandle[]> {
  const { entry, nodeArgs, namePrefix = 'bench-replica' } = more;
  const service = new LocalWsService({
    spec: resolveTopologySpec({ ...BENCH_SPEC, ...spec }),
    logDir,
    placement: { redisUrl: redis.url },
    idPrefix: `${namePrefix}-`,
    firstNumber: 0,
    ...(entry === undefined ? {} : { entry }),
    ...(nodeArgs === undefined ? {} : { nodeArgs }),
  });
  await service.start(count, { parallel: true });
  return service.handles();
}

/** The raw ceiling server in its own process, so its CPU is measured apart from the runner's. */
export async function benchRawServer(
  logDir: string,
): Promise<{ wsUrl: string; pid: number; stop(): Promise<void> }> {
  const port = await freePort();
  const managed = new ManagedProcess({
    name: 'bench-raw-ws',
    command: process.execPath,
    args: ['--import', 'tsx', 'bench/raw-server.ts', String(port)],
    cwd: REPO_ROOT,
    logDir,
  });
  await waitFor(() => isPortOpen(port), { timeoutMs: 30_000, description: 'raw ws server listening' });
  return { wsUrl: `ws://127.0.0.1:${port}/ws`, pid: managed.pid, stop: () => managed.stop() };
}

export { stopAll };

/** How a Socket.IO peer reaches Redis: from the runtime's handles (never a hard-coded address). */
export type SocketIoRedis =
  | { adapter: 'local' }
  | { adapter: 'redis' | 'streams'; redisUrl: string }
  | { adapter: 'sharded'; clusterNodes: readonly string[] };

export interface SocketIoServerHandle {
  port: number;
  /** `ws://127.0.0.1:<port>/ws` (the runner's Socket.IO wire adds `/?EIO=4&transport=websocket`). */
  wsUrl: string;
  pid: number;
  process: ManagedProcess;
  stop(): Promise<void>;
  /** SIGKILL now; resolves once the process is gone. */
  kill(): Promise<void>;
}

/** A Socket.IO peer server (bench/peers/socketio-server.ts) in its own process. */
export async function benchSocketIoServer(
  logDir: string,
  name: string,
  redis: SocketIoRedis,
  extraArgs: string[] = [],
): Promise<SocketIoServerHandle> {
  const port = await freePort();
  const args = ['--import', 'tsx', 'bench/peers/socketio-server.ts', '--port', String(port)];
  args.push('--adapter', redis.adapter, '--instance', name, ...extraArgs);
  if (redis.adapter === 'redis' || redis.adapter === 'streams') args.push('--redis-url', redis.redisUrl);
  if (redis.adapter === 'sharded') args.push('--cluster-nodes', redis.clusterNodes.join(','));
  const managed = new ManagedProcess({ name, command: process.execPath, args, cwd: REPO_ROOT, logDir });
  await waitFor(async () => !managed.running || (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, {
    timeoutMs: 30_000,
    intervalMs: 50,
    description: `${name} /readyz`,
  });
  if (!managed.running) throw new Error(`${name} exited while starting; see ${managed.logPath}`);
  return {
    port,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    pid: managed.pid,
    process: managed,
    stop: () => managed.stop(),
    kill: async () => {
      managed.killNow('SIGKILL');
      await managed.exited;
    },
  };
}
