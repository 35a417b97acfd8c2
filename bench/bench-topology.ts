/**
 * What the benchmarks start: Redis, replicas, the raw ws server, HAProxy and Nginx, all on
 * 127.0.0.1 through the lab's process helpers, stopped by their own pids at the end.
 */
import { fileURLToPath } from 'node:url';
import { ManagedProcess, stopAll } from '../runtime/managed-process.js';
import { freePort, isPortOpen } from '../runtime/ports.js';
import { type RedisServerHandle, startRedis } from '../runtime/redis.js';
import { type ReplicaHandle, type ServiceEnv, startReplica } from '../runtime/replica.js';
import { waitFor } from '../runtime/wait-for.js';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Service settings for benchmarks: no publish rate cap (the runner sets the rate), quiet logs. */
export const BENCH_SERVICE_ENV: ServiceEnv = {
  BUS_MODE: 'single',
  PUBLISH_RATE_PER_S: '1000000',
  PUBLISH_BURST: '1000000',
  LOG_LEVEL: 'warn',
};

export async function benchRedis(logDir: string): Promise<RedisServerHandle> {
  return startRedis({ dir: logDir });
}

export async function benchReplicas(
  logDir: string,
  redis: RedisServerHandle,
  count: number,
  env: ServiceEnv = {},
): Promise<ReplicaHandle[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      startReplica({
        logDir,
        name: `bench-replica-${i}`,
        waitReady: true,
        env: { ...BENCH_SERVICE_ENV, REDIS_URL: redis.url, ...env },
      }),
    ),
  );
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
