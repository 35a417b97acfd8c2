import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { keySlot, roomKeys } from '../app/src/contracts/redis-keys.js';
import type { ResourceCaps } from './cgroup.js';
import { ManagedProcess, type ProcessHost } from './managed-process.js';
import { freePort, freePorts } from './ports.js';
import { waitFor } from './wait-for.js';

const execFileAsync = promisify(execFile);

const REDIS_SERVER = 'redis-server';
const REDIS_CLI = 'redis-cli';

/**
 * The env of a redis-cli run: the password in REDISCLI_AUTH, which redis-cli reads itself, so it
 * is never on a command line (`-a` shows in `ps` and /proc/<pid>/cmdline to every local user).
 */
export function redisCliEnv(password: string | undefined): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.REDISCLI_AUTH;
  return password === undefined ? env : { ...env, REDISCLI_AUTH: password };
}

/** Runs one redis-cli command against host:port (default 127.0.0.1) and returns its raw output. */
export async function redisCli(
  port: number,
  args: string[],
  password?: string,
  host = '127.0.0.1',
): Promise<string> {
  const { stdout } = await execFileAsync(REDIS_CLI, ['-h', host, '-p', String(port), ...args], {
    timeout: 5_000,
    env: redisCliEnv(password),
  });
  return stdout;
}

/**
 * Writes the password into a config file only the owner can read (`requirepass`, and `masterauth`
 * for a cluster replica) and returns its path: redis-server takes a config file as its first
 * argument, so the secret never reaches argv.
 */
function writeAuthConfig(dir: string, password: string): string {
  const path = join(dir, 'auth.conf');
  // Redis config strings are double-quoted with backslash escapes.
  const quoted = `"${password.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
  writeFileSync(path, `requirepass ${quoted}\nmasterauth ${quoted}\n`, { mode: 0o600 });
  return path;
}

/** Arguments every server we start gets: loopback only, no persistence, logs to stdout (captured). */
function baseServerArgs(
  port: number,
  dir: string,
  appendonly: boolean,
  password?: string,
  bind = '127.0.0.1',
): string[] {
  // The config file must come first: redis-server reads argv[1] as a file, then the options.
  const args = [
    ...(password === undefined ? [] : [writeAuthConfig(dir, password)]),
    '--port',
    String(port),
    '--bind',
    bind,
    '--save',
    '',
    '--appendonly',
    appendonly ? 'yes' : 'no',
    '--dir',
    dir,
    '--pidfile',
    join(dir, 'redis.pid'),
    '--daemonize',
    'no',
    '--logfile',
    '',
  ];
  return args;
}

async function waitForPing(
  port: number,
  password: string | undefined,
  name: string,
  host?: string,
): Promise<void> {
  await waitFor(async () => (await redisCli(port, ['PING'], password, host)).trim() === 'PONG', {
    timeoutMs: 10_000,
    intervalMs: 50,
    description: `${name} answers PING on port ${port}`,
  });
}

export interface StartRedisOptions {
  /** Working directory: data dir, pid file and the log (`redis-<port>.log`). */
  dir: string;
  /** Default: a free port. */
  port?: number;
  password?: string;
  /** Default false (tests need no persistence). */
  appendonly?: boolean;
  /** CPU/memory caps of the server. */
  caps?: ResourceCaps;
  /** A lab host to run on (runtime/hosts/): bound to its address instead of 127.0.0.1. */
  host?: ProcessHost;
}

/** One running redis-server. `process`/`pid` change after restart(). */
export interface RedisServerHandle {
  readonly port: number;
  /** `redis://[:password@]<address>:port` (127.0.0.1, or its lab host's address) */
  readonly url: string;
  readonly pid: number;
  readonly process: ManagedProcess;
  /** Stops the server and starts a new one on the same port (data is lost: no persistence). */
  restart(options?: { downMs?: number }): Promise<void>;
  /** Sends SIGKILL now and waits for the exit. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts redis-server on 127.0.0.1 (or on a lab host, at its address) and resolves once it answers PING. */
export async function startRedis(options: StartRedisOptions): Promise<RedisServerHandle> {
  const port = options.port ?? (await freePort());
  // Absolute: redis-server chdirs into --dir, so relative paths after it would break.
  const dir = resolve(options.dir, `redis-${port}`);
  mkdirSync(dir, { recursive: true });
  const address = options.host?.address ?? '127.0.0.1';
  const spawnServer = async (): Promise<ManagedProcess> => {
    const managed = new ManagedProcess({
      name: `redis-${port}`,
      command: REDIS_SERVER,
      args: baseServerArgs(port, dir, options.appendonly ?? false, options.password, address),
      logDir: options.dir,
      ...(options.caps ? { caps: options.caps } : {}),
      ...(options.host ? { host: options.host } : {}),
    });
    try {
      await waitForPing(port, options.password, managed.name, address);
    } catch (error) {
      await managed.stop('SIGKILL');
      throw error;
    }
    return managed;
  };
  let current = await spawnServer();
  const auth = options.password === undefined ? '' : `:${encodeURIComponent(options.password)}@`;
  return {
    port,
    url: `redis://${auth}${address}:${port}`,
    get pid() {
      return current.pid;
    },
    get process() {
      return current;
    },
    async restart(restartOptions = {}) {
      await current.stop('SIGTERM', 2_000);
      if (restartOptions.downMs !== undefined) await new Promise((r) => setTimeout(r, restartOptions.downMs));
      current = await spawnServer();
    },
    async kill() {
      current.killNow('SIGKILL');
      await current.exited;
    },
    async stop() {
      await current.stop('SIGTERM', 2_000);
    },
  };
}

interface SlotRange {
  from: number;
  to: number;
  /** Port of the master serving the range. */
  port: number;
}

/** CLUSTER SLOTS as seen by the node on `address:port`. */
async function slotRanges(port: number, password: string | undefined, address: string): Promise<SlotRange[]> {
  // redis-cli --json prints per range: from, to, then per node [ip, port, id, …]; the master first.
  const reply = await redisCli(port, ['--json', 'CLUSTER', 'SLOTS'], password, address);
  const ranges = JSON.parse(reply) as Array<[number, number, [string, number, ...unknown[]], ...unknown[]]>;
  return ranges.map(([from, to, master]) => ({ from, to, port: master[1] }));
}

/** A key whose slot lies in [from, to]. */
function keyInSlots(from: number, to: number): string {
  for (let i = 0; ; i += 1) {
    const key = `wslab:harness:${i}`;
    const slot = keySlot(key);
    if (slot >= from && slot <= to) return key;
  }
}

/** Runs several commands on ONE redis-cli connection (WAIT counts that connection's writes). */
async function redisCliBatch(
  port: number,
  commands: string[][],
  password: string | undefined,
  address: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      REDIS_CLI,
      ['-h', address, '-p', String(port)],
      { timeout: 5_000, env: redisCliEnv(password) },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
    child.stdin?.end(`${commands.map((args) => args.join(' ')).join('\n')}\n`);
  });
}

export interface StartRedisClusterOptions {
  dir: string;
  /** Default 3. */
  masters?: number;
  /** Default 1. */
  replicasPerMaster?: number;
  /** cluster-node-timeout: how long a master may be unreachable before failover. Default 2000 ms. */
  nodeTimeoutMs?: number;
  password?: string;
  /** CPU/memory caps of each node. */
  caps?: ResourceCaps;
  /** Lab hosts (runtime/hosts/): node i runs on `hosts[i % length]`, bound to its address. Unset: 127.0.0.1. */
  hosts?: readonly ProcessHost[];
}

export interface ClusterNode {
  port: number;
  /** The address it is bound to: 127.0.0.1, or its lab host's. */
  address: string;
  pid: number;
  process: ManagedProcess;
}

export interface RedisClusterHandle {
  readonly nodes: ClusterNode[];
  /** `address:port` of every node, for REDIS_CLUSTER_NODES / ioredis Cluster. */
  readonly seeds: string[];
  /** Port of the live master serving `key`'s slot. */
  masterPortForKey(key: string): Promise<number>;
  /** SIGKILLs the master that owns `room`'s slot; returns its port at once (waits for nothing). */
  killMasterForRoom(room: string): Promise<number>;
  /** Resolves once every live node reports cluster_state:ok and every slot has a live master. */
  waitForPromotion(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a Redis Cluster (default 3 masters + 3 replicas) on free ports,
 * created with `redis-cli --cluster create`, and resolves once every node
 * says cluster_state:ok and every replica has synced with its master.
 */
export async function startRedisCluster(options: StartRedisClusterOptions): Promise<RedisClusterHandle> {
  const masters = options.masters ?? 3;
  const replicasPerMaster = options.replicasPerMaster ?? 1;
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 2_000;
  const password = options.password;
  const ports = await freePorts(masters * (1 + replicasPerMaster));
  const nodes: ClusterNode[] = [];
  const hostOf = (index: number): ProcessHost | undefined =>
    options.hosts && options.hosts.length > 0 ? options.hosts[index % options.hosts.length] : undefined;
  const addresses = ports.map((_, index) => hostOf(index)?.address ?? '127.0.0.1');
  // ports are picked free on this machine, so one names a node even across hosts
  const addressOf = (port: number): string => addresses[ports.indexOf(port)] ?? '127.0.0.1';
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((node) => node.process.stop('SIGTERM', 2_000)));
  };
  try {
    for (const [index, port] of ports.entries()) {
      const host = hostOf(index);
      // Absolute: redis-server chdirs into --dir before it opens nodes.conf.
      const dir = resolve(options.dir, `cluster-${port}`);
      mkdirSync(dir, { recursive: true });
      const managed = new ManagedProcess({
        name: `redis-cluster-${port}`,
        command: REDIS_SERVER,
        args: [
          ...baseServerArgs(port, dir, false, password, addresses[index]),
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, 'nodes.conf'),
          '--cluster-node-timeout',
          String(nodeTimeoutMs),
          // Start the first (diskless) sync at once instead of after the default 5 s.
          '--repl-diskless-sync-delay',
          '0',
        ],
        logDir: options.dir,
        ...(options.caps ? { caps: options.caps } : {}),
        ...(host ? { host } : {}),
      });
      nodes.push({ port, address: addresses[index]!, pid: managed.pid, process: managed });
    }
    await Promise.all(
      ports.map((port) => waitForPing(port, password, `cluster node ${port}`, addressOf(port))),
    );
    await execFileAsync(
      REDIS_CLI,
      [
        '--cluster',
        'create',
        ...ports.map((port) => `${addressOf(port)}:${port}`),
        '--cluster-replicas',
        String(replicasPerMaster),
        '--cluster-yes',
      ],
      { timeout: 30_000, env: redisCliEnv(password) },
    );
    const live = (): ClusterNode[] => nodes.filter((node) => node.process.running);
    const allOk = async (): Promise<boolean> => {
      const infos = await Promise.all(
        live().map((node) => redisCli(node.port, ['CLUSTER', 'INFO'], password, node.address)),
      );
      return infos.every((info) => info.includes('cluster_state:ok'));
    };
    await waitFor(allOk, {
      timeoutMs: 20_000,
      intervalMs: 100,
      description: 'cluster_state:ok on all nodes',
    });
    // A replica that has not finished its first sync cannot take over, and after a diskless
    // sync the master streams writes to it only once it has sent its first REPLCONF ACK (INFO
    // already says `online` before that). A master killed in that window loses every write
    // since the sync. So: write a key into each master's slots and WAIT for its replicas.
    const ranges = await slotRanges(ports[0]!, password, addressOf(ports[0]!));
    const masterPorts = [...new Set(ranges.map((range) => range.port))];
    await Promise.all(
      masterPorts.map(async (port) => {
        const range = ranges.find((r) => r.port === port)!;
        const key = keyInSlots(range.from, range.to);
        await waitFor(
          async () => {
            const reply = await redisCliBatch(
              port,
              [
                ['SET', key, '1'],
                ['WAIT', String(replicasPerMaster), '200'],
              ],
              password,
              addressOf(port),
            );
            return Number(reply.trim().split('\n').at(-1)) >= replicasPerMaster;
          },
          { timeoutMs: 20_000, intervalMs: 50, description: `replicas of ${port} receive writes` },
        );
        await redisCli(port, ['DEL', key], password, addressOf(port));
      }),
    );

    const slotMasters = async (): Promise<SlotRange[]> => {
      const node = live()[0];
      if (node === undefined) throw new Error('redis cluster: no live node');
      return slotRanges(node.port, password, node.address);
    };
    const masterPortForKey = async (key: string): Promise<number> => {
      const node = live()[0];
      if (node === undefined) throw new Error('redis cluster: no live node');
      const slot = Number(
        (await redisCli(node.port, ['CLUSTER', 'KEYSLOT', key], password, node.address)).trim(),
      );
      const range = (await slotMasters()).find((r) => slot >= r.from && slot <= r.to);
      if (range === undefined) throw new Error(`redis cluster: slot ${slot} has no master`);
      return range.port;
    };
    return {
      nodes,
      seeds: ports.map((port) => `${addressOf(port)}:${port}`),
      masterPortForKey,
      async killMasterForRoom(room) {
        const port = await masterPortForKey(roomKeys(room).stream);
        const node = nodes.find((n) => n.port === port);
        if (node === undefined) throw new Error(`redis cluster: no node on port ${port}`);
        node.process.killNow('SIGKILL');
        return port;
      },
      async waitForPromotion(timeoutMs = nodeTimeoutMs * 5 + 10_000) {
        await waitFor(
          async () => {
            if (!(await allOk())) return false;
            const livePorts = new Set(live().map((node) => node.port));
            return (await slotMasters()).every((range) => livePorts.has(range.port));
          },
          { timeoutMs, intervalMs: 100, description: 'a replica promoted for every slot' },
        );
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
