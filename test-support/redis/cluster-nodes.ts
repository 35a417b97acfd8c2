import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ManagedProcess } from '../../runtime/managed-process.js';
import { freePorts } from '../../runtime/ports.js';
import { redisCli } from '../../runtime/redis.js';
import { waitFor } from '../../runtime/wait-for.js';

const HEAL_SCRIPT = resolve(import.meta.dirname, '../../infra/components/redis-cluster.sh');
const START_SCRIPT = resolve(import.meta.dirname, '../../infra/components/redis-node-start.sh');

/** What one node says of itself: its own line of CLUSTER NODES. */
export interface NodeSelf {
  port: number;
  id: string;
  role: 'master' | 'replica';
  /** The id of its master; undefined for a master. */
  masterId: string | undefined;
  slotCount: number;
}

export interface HealRun {
  code: number | null;
  output: string;
}

/**
 * Redis Cluster nodes as plain redis-server processes on loopback, for driving the heal script
 * (infra/components/redis-cluster.sh) the way the one-shot container runs it: every node on a
 * fixed address (port), each with its own dir holding nodes.conf, so a restart keeps the node's
 * identity and a replacement (`replace`) starts empty with a new one. The password is in each
 * node's config file and in REDISCLI_AUTH, never on a command line.
 */
export class ClusterNodes {
  private readonly processes = new Map<number, ManagedProcess>();

  private constructor(
    readonly dir: string,
    readonly ports: number[],
    readonly password: string,
    private readonly nodeTimeoutMs: number,
  ) {}

  static async start(dir: string, options: { count?: number; nodeTimeoutMs?: number } = {}) {
    const ports = await freePorts(options.count ?? 6);
    const nodes = new ClusterNodes(dir, ports, 'heal-test-secret', options.nodeTimeoutMs ?? 2_000);
    await Promise.all(ports.map((port) => nodes.startNode(port)));
    return nodes;
  }

  private nodeDir(port: number): string {
    return join(this.dir, `node-${port}`);
  }

  /**
   * Starts the node on `port` from its dir (its nodes.conf, if any) and waits for PONG; through
   * the containers' start script unless `ungated` (a node started by hand, as redis-server).
   */
  async startNode(port: number, options: { ungated?: boolean; gateTimeoutS?: number } = {}): Promise<void> {
    const dir = this.nodeDir(port);
    mkdirSync(dir, { recursive: true });
    const config = join(dir, 'redis.conf');
    writeFileSync(
      config,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `requirepass "${this.password}"`,
        `masterauth "${this.password}"`,
        'save ""',
        'appendonly no',
        'cluster-enabled yes',
        'cluster-config-file nodes.conf',
        `cluster-node-timeout ${this.nodeTimeoutMs}`,
        'repl-diskless-sync-delay 0',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    this.processes.set(
      port,
      // Through the node containers' start script, in the node's dir (as in /data).
      new ManagedProcess({
        name: `heal-node-${port}-${Date.now()}`,
        command: options.ungated ? 'redis-server' : 'sh',
        args: [options.ungated ? config : START_SCRIPT],
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          REDIS_CONFIG: config,
          REDIS_SELF: `127.0.0.1:${port}`,
          REDIS_NODES: this.addresses().join(' '),
          REDISCLI_AUTH: this.password,
          ...(options.gateTimeoutS === undefined ? {} : { GATE_TIMEOUT_S: String(options.gateTimeoutS) }),
        },
        logDir: this.dir,
      }),
    );
    await waitFor(async () => (await this.cli(port, ['PING'])).trim() === 'PONG', {
      timeoutMs: 45_000,
      intervalMs: 50,
      description: `heal test node ${port} answers PING`,
    });
  }

  /** SIGKILLs the node (a host or container lost) and waits for its exit. */
  async kill(port: number): Promise<void> {
    const process = this.processes.get(port);
    if (process === undefined) return;
    process.killNow('SIGKILL');
    await process.exited;
  }

  /** A lost node's replacement: an empty node (new identity) on the same address. */
  async replace(port: number, options: { ungated?: boolean; gateTimeoutS?: number } = {}): Promise<void> {
    await this.kill(port);
    rmSync(this.nodeDir(port), { recursive: true, force: true });
    await this.startNode(port, options);
  }

  /** Stops the node (SIGTERM: it saves nodes.conf) without starting it again. */
  async stopNode(port: number): Promise<void> {
    await this.processes.get(port)?.stop('SIGTERM', 5_000);
  }

  /** What the node's current process (start script, then redis-server) wrote so far. */
  log(port: number): Promise<string> {
    const process = this.processes.get(port);
    return process === undefined ? Promise.resolve('') : readFile(process.logPath, 'utf8');
  }

  addresses(): string[] {
    return this.ports.map((port) => `127.0.0.1:${port}`);
  }

  cli(port: number, args: string[]): Promise<string> {
    return redisCli(port, args, this.password);
  }

  /** Each node's own line of CLUSTER NODES. */
  async selves(): Promise<NodeSelf[]> {
    return Promise.all(
      this.ports.map(async (port) => {
        const line = (await this.cli(port, ['CLUSTER', 'NODES']))
          .split('\n')
          .find((l) => l.split(' ')[2]?.split(',').includes('myself'));
        if (line === undefined) throw new Error(`node ${port}: no myself line`);
        const fields = line.trim().split(' ');
        const slotCount = fields
          .slice(8)
          .filter((field) => !field.startsWith('['))
          .reduce((sum, field) => {
            const [from, to] = field.split('-').map(Number);
            return sum + (to === undefined ? 1 : to - from! + 1);
          }, 0);
        const isMaster = fields[2]!.includes('master');
        return {
          port,
          id: fields[0]!,
          role: isMaster ? ('master' as const) : ('replica' as const),
          masterId: isMaster ? undefined : fields[3],
          slotCount,
        };
      }),
    );
  }

  /** Runs the heal script with the container's environment, addresses as 127.0.0.1:port. */
  heal(options: { timeoutS?: number; masters?: number; replicas?: number } = {}): Promise<HealRun> {
    return new Promise((resolvePromise, reject) => {
      const child = spawn('sh', [HEAL_SCRIPT], {
        env: {
          PATH: process.env.PATH,
          REDIS_NODES: this.addresses().join(' '),
          CLUSTER_MASTERS: String(options.masters ?? 3),
          CLUSTER_REPLICAS: String(options.replicas ?? 1),
          REDISCLI_AUTH: this.password,
          HEAL_TIMEOUT_S: String(options.timeoutS ?? 60),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.on('error', reject);
      child.on('close', (code) => resolvePromise({ code, output }));
    });
  }

  async stop(): Promise<void> {
    await Promise.all([...this.processes.values()].map((process) => process.stop('SIGKILL', 2_000)));
  }
}
