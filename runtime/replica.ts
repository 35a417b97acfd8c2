import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ReplicaPlacement, replicaEnv } from '../topology/replica-env.js';
import type { TopologySpec } from '../topology/spec.js';
import type { ResourceCaps } from './cgroup.js';
import { ManagedProcess, type ProcessHost } from './managed-process.js';
import { freePort } from './ports.js';
import { waitFor } from './wait-for.js';

/** Where one local replica runs besides its bind address, port and instance id (those are set here). */
export type LocalReplicaPlacement = Omit<ReplicaPlacement, 'host' | 'port' | 'instanceId'>;

export interface StartReplicaOptions {
  /** Where `<name>.log` (the replica's JSON logs) goes. */
  logDir: string;
  /** The settings it runs with; topology/replica-env.ts turns them into the service's env. */
  spec: TopologySpec;
  /** Redis address and secrets; empty for redisMode none. */
  placement?: LocalReplicaPlacement;
  /** Default: a free port. */
  port?: number;
  /** Log file name and default instance id. Default `replica-<port>`. */
  name?: string;
  /** Default `name`. */
  instanceId?: string;
  /** Also wait for /readyz 200 (Redis reachable). Default false: /healthz only. */
  waitReady?: boolean;
  /** The service's entry point; default `app/src/main.ts` of this tree (benchmarks compare another copy). */
  entry?: string;
  /** Node flags before the entry (`--cpu-prof`, which NODE_OPTIONS does not allow). */
  nodeArgs?: readonly string[];
  /** How long to wait for the replica to answer. Default 30 000 ms (tsx compiles on start). */
  startTimeoutMs?: number;
  /** CPU/memory caps (its own cgroup, as a container's --cpus/--memory). */
  caps?: ResourceCaps;
  /** A lab host to run on (runtime/hosts/): bound to its address instead of 127.0.0.1. */
  host?: ProcessHost;
}

export interface ReplicaHandle {
  readonly port: number;
  readonly httpUrl: string;
  /** `ws://<address>:<port>/ws` (127.0.0.1, or its lab host's address) */
  readonly wsUrl: string;
  readonly instanceId: string;
  readonly process: ManagedProcess;
  /** Sends `signal` (default SIGTERM: drain) and waits for the exit; SIGKILL after the drain window + 5 s. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL now; resolves once the process is gone. */
  kill(): Promise<void>;
}

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

function logTail(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts one replica of the service as a child process
 * (`node --import tsx app/src/main.ts`) and waits until it answers /healthz
 * (and /readyz with `waitReady`). Stopped only by its own pid.
 */
export async function startReplica(options: StartReplicaOptions): Promise<ReplicaHandle> {
  // Picked here rather than port 0 so the caller knows the URL before the process logs it.
  const port = options.port === undefined || options.port === 0 ? await freePort() : options.port;
  const name = options.name ?? `replica-${port}`;
  const instanceId = options.instanceId ?? name;
  const address = options.host?.address ?? '127.0.0.1';
  const env = replicaEnv(options.spec, { ...options.placement, host: address, port, instanceId });
  const managed = new ManagedProcess({
    name,
    command: process.execPath,
    args: [...(options.nodeArgs ?? []), '--import', 'tsx', options.entry ?? 'app/src/main.ts'],
    cwd: REPO_ROOT,
    logDir: options.logDir,
    env: { ...process.env, ...env },
    ...(options.caps ? { caps: options.caps } : {}),
    ...(options.host ? { host: options.host } : {}),
  });
  const httpUrl = `http://${address}:${port}`;
  const path = options.waitReady ? '/readyz' : '/healthz';
  // waitFor treats a thrown error as "not yet", so an exit while starting
  // (bad config: exit 2) ends the wait instead, and fails at once below.
  try {
    await waitFor(async () => !managed.running || (await fetch(`${httpUrl}${path}`)).status === 200, {
      timeoutMs: options.startTimeoutMs ?? 30_000,
      intervalMs: 50,
      description: `${name} ${path}`,
    });
    if (!managed.running) {
      const { code, signal } = await managed.exited;
      throw new Error(`exited while starting (code ${code}, signal ${signal})`);
    }
  } catch (error) {
    await managed.stop('SIGKILL');
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`replica ${name} did not start (${why}); log tail:\n${logTail(managed.logPath)}`);
  }
  return {
    port,
    httpUrl,
    wsUrl: `ws://${address}:${port}/ws`,
    instanceId,
    process: managed,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      await managed.stop(signal, options.spec.drainWindowMs + 5_000);
      return managed.exited;
    },
    async kill() {
      managed.killNow('SIGKILL');
      await managed.exited;
    },
  };
}
