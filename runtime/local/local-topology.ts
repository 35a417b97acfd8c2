import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ProxyBackend } from '../../proxy/options.js';
import {
  type ProxyKind,
  resolveTopologySpec,
  type Stickiness,
  type TopologySpec,
  type TopologySpecInput,
} from '../../topology/spec.js';
import type { ManagedProcess } from '../managed-process.js';
import { freePort } from '../ports.js';
import { type RedisClusterHandle, type RedisServerHandle, startRedis, startRedisCluster } from '../redis.js';
import { startReplica } from '../replica.js';
import { type RunningProxy, startProxy } from './proxies.js';
import { LAB_CLUSTER, type LabPlan, planTopology } from './start-plan.js';

/** What starts a topology: a spec (any subset of keys; the rest take their defaults) and where it lives. */
export type TopologyInput = TopologySpecInput & {
  /** Where configs, logs and data go (`.lab/` for `wslab up`, a run dir for experiments). */
  dir: string;
};

type ReplicaHandle = Awaited<ReturnType<typeof startReplica>>;

/** One replica slot: a stable id and port; the process behind it changes on restart. */
export interface ReplicaSlot {
  readonly id: string;
  readonly port: number;
  readonly httpUrl: string;
  readonly wsUrl: string;
  /** The running process, or undefined while the replica is down (killed, stopped). */
  handle: ReplicaHandle | undefined;
  /** True between freeze (SIGSTOP) and thaw (SIGCONT). */
  frozen: boolean;
}

/** A component of the running topology, as `status` and state.json show it. */
export interface ComponentInfo {
  name: string;
  kind: 'redis' | 'replica' | 'haproxy' | 'nginx';
  pid: number;
  port: number;
  /** Where clients or tools reach it. */
  url: string;
  /** Replicas: HTTP base URL (health, metrics); proxies: the stats URL. */
  adminUrl?: string;
  logPath: string;
}

/**
 * The whole topology on 127.0.0.1: Redis (one server or a 6-node cluster), N
 * service replicas, and HAProxy and/or Nginx in front, all started through
 * ManagedProcess so that stopping (or crashing) the lab leaves nothing behind.
 */
export class Topology {
  private currentPlan: LabPlan;
  readonly dir: string;
  readonly publishApiKey: string;
  /** requirepass of the lab's Redis (masterauth too on a cluster), like the Pulumi stack's; every lab client uses it. */
  readonly redisPassword: string;
  readonly replicas: ReplicaSlot[] = [];
  readonly proxies: RunningProxy[] = [];
  redisSingle: RedisServerHandle | undefined;
  redisCluster: RedisClusterHandle | undefined;
  private nextReplicaNumber = 1;

  private constructor(dir: string, spec: TopologySpec) {
    this.dir = dir;
    this.currentPlan = planTopology(spec);
    this.publishApiKey = randomBytes(12).toString('hex');
    this.redisPassword = randomBytes(16).toString('hex');
  }

  /** Starts everything and resolves once every part is ready; on failure stops what did start. */
  static async start(input: TopologyInput): Promise<Topology> {
    const { dir, ...spec } = input;
    const topology = new Topology(dir, resolveTopologySpec(spec));
    try {
      await topology.startAll();
      return topology;
    } catch (error) {
      await topology.stop();
      throw error;
    }
  }

  /** The spec in force (stickiness changes with setStickiness). */
  get spec(): TopologySpec {
    return this.currentPlan.spec;
  }

  /** What this topology starts for its spec (topology/ mappings; placement added here). */
  get plan(): LabPlan {
    return this.currentPlan;
  }

  /** Switches every proxy to another stickiness mode (config re-rendered, graceful reload). */
  async setStickiness(stickiness: Stickiness): Promise<void> {
    this.currentPlan = planTopology({ ...this.spec, stickiness });
    await this.reloadProxies();
  }

  get logDir(): string {
    return join(this.dir, 'logs');
  }

  private async startAll(): Promise<void> {
    mkdirSync(this.logDir, { recursive: true });
    const redisDir = join(this.dir, 'redis');
    if (this.plan.redis.mode === 'cluster') {
      this.redisCluster = await startRedisCluster({
        dir: redisDir,
        ...LAB_CLUSTER,
        password: this.redisPassword,
        caps: this.plan.resources.redis,
      });
    } else {
      this.redisSingle = await startRedis({
        dir: redisDir,
        password: this.redisPassword,
        caps: this.plan.resources.redis,
      });
    }
    // Replicas start one after another: two cores, and each one compiles TypeScript on start.
    for (let index = 0; index < this.plan.replicas; index += 1) await this.addReplicaProcess();
    for (const kind of this.plan.proxies) {
      this.proxies.push(
        await startProxy(kind, this.dir, this.plan.proxy, this.backends(), this.plan.resources.proxy),
      );
    }
  }

  /** The replicas as proxy backends (lab placement: 127.0.0.1 and each slot's port). */
  backends(): ProxyBackend[] {
    return this.replicas.map((slot) => ({ id: slot.id, host: '127.0.0.1', port: slot.port }));
  }

  private async reloadProxies(): Promise<void> {
    for (const proxy of this.proxies) await proxy.reload(this.plan.proxy, this.backends());
  }

  /** The env of one replica: the spec's mapping, with this slot's port, Redis and the lab's admin key. */
  replicaEnv(id: string, port: number): Record<string, string> {
    return this.plan.replicaEnv({
      port,
      instanceId: id,
      ...(this.redisSingle ? { redisUrl: this.redisSingle.url } : {}),
      ...(this.redisCluster ? { redisClusterNodes: this.redisCluster.seeds } : {}),
      redisPassword: this.redisPassword,
      publishApiKey: this.publishApiKey,
    });
  }

  private async addReplicaProcess(): Promise<ReplicaSlot> {
    const id = `r${this.nextReplicaNumber}`;
    this.nextReplicaNumber += 1;
    const port = await freePort();
    const slot: ReplicaSlot = {
      id,
      port,
      httpUrl: `http://127.0.0.1:${port}`,
      wsUrl: `ws://127.0.0.1:${port}/ws`,
      handle: undefined,
      frozen: false,
    };
    slot.handle = await this.spawnReplica(slot);
    this.replicas.push(slot);
    return slot;
  }

  private spawnReplica(slot: ReplicaSlot): Promise<ReplicaHandle> {
    return startReplica({
      logDir: this.logDir,
      env: this.replicaEnv(slot.id, slot.port),
      name: slot.id,
      // proxies route to a replica as soon as it is up: it must already reach Redis
      waitReady: true,
      caps: this.plan.resources.replica,
      // a capped replica compiles its TypeScript at a fraction of a core
      startTimeoutMs: 60_000,
    });
  }

  /** Finds a replica slot by id (r1, r2…). */
  replica(id: string): ReplicaSlot {
    const slot = this.replicas.find((candidate) => candidate.id === id);
    if (!slot) throw new Error(`no replica "${id}" (have ${this.replicas.map((r) => r.id).join(', ')})`);
    return slot;
  }

  /** Starts the process of a slot that is down (after kill or stop), on the same port. */
  async startReplicaAgain(id: string): Promise<ReplicaSlot> {
    const slot = this.replica(id);
    if (slot.handle?.process.running) throw new Error(`replica ${id} is already running`);
    slot.handle = await this.spawnReplica(slot);
    slot.frozen = false;
    return slot;
  }

  /** Scale out: one more replica, then every proxy reloaded with the new backend list. */
  async addReplica(): Promise<ReplicaSlot> {
    const slot = await this.addReplicaProcess();
    await this.reloadProxies();
    return slot;
  }

  /** Reloads one proxy (same backends): the fault "reload a proxy". */
  async reloadProxy(kind: ProxyKind): Promise<RunningProxy> {
    const proxy = this.proxy(kind);
    await proxy.reload(this.plan.proxy, this.backends());
    return proxy;
  }

  proxy(kind: ProxyKind): RunningProxy {
    const proxy = this.proxies.find((candidate) => candidate.kind === kind);
    if (!proxy) throw new Error(`no ${kind} in this topology`);
    return proxy;
  }

  /** Client URLs: every replica directly, and each proxy. */
  urls(): { direct: string[]; proxies: Record<string, string> } {
    return {
      direct: this.replicas.map((slot) => slot.wsUrl),
      proxies: Object.fromEntries(this.proxies.map((proxy) => [proxy.kind, proxy.wsUrl])),
    };
  }

  /** Ports of the live Redis servers (one, or every running cluster node). */
  redisPorts(): number[] {
    if (this.redisSingle) return [this.redisSingle.port];
    return (this.redisCluster?.nodes ?? []).filter((node) => node.process.running).map((node) => node.port);
  }

  /** Every running component (for status, state.json and the /proc sampler). */
  components(): ComponentInfo[] {
    const components: ComponentInfo[] = [];
    if (this.redisSingle) {
      components.push({
        name: 'redis',
        kind: 'redis',
        pid: this.redisSingle.pid,
        port: this.redisSingle.port,
        url: `redis://127.0.0.1:${this.redisSingle.port}`,
        logPath: this.redisSingle.process.logPath,
      });
    }
    for (const node of this.redisCluster?.nodes ?? []) {
      if (!node.process.running) continue;
      components.push({
        name: `redis-${node.port}`,
        kind: 'redis',
        pid: node.process.pid,
        port: node.port,
        url: `redis://127.0.0.1:${node.port}`,
        logPath: node.process.logPath,
      });
    }
    for (const slot of this.replicas) {
      if (!slot.handle?.process.running) continue;
      components.push({
        name: slot.id,
        kind: 'replica',
        pid: slot.handle.process.pid,
        port: slot.port,
        url: slot.wsUrl,
        adminUrl: slot.httpUrl,
        logPath: slot.handle.process.logPath,
      });
    }
    for (const proxy of this.proxies) {
      components.push({
        name: proxy.kind,
        kind: proxy.kind,
        pid: proxy.pid,
        port: proxy.port,
        url: proxy.wsUrl,
        adminUrl: proxy.statsUrl,
        logPath: proxy.logPath,
      });
    }
    return components;
  }

  /** The components as the sampler tracks them. */
  sampledComponents(): { component: string; kind: ComponentInfo['kind']; pid: number }[] {
    return this.components().map((component) => ({
      component: component.name,
      kind: component.kind,
      pid: component.pid,
    }));
  }

  /** Every managed process (running or not) the topology started. */
  processes(): ManagedProcess[] {
    const processes: ManagedProcess[] = [];
    if (this.redisSingle) processes.push(this.redisSingle.process);
    for (const node of this.redisCluster?.nodes ?? []) processes.push(node.process);
    for (const slot of this.replicas) if (slot.handle) processes.push(slot.handle.process);
    for (const proxy of this.proxies) processes.push(proxy.process);
    return processes;
  }

  /** Stops everything: proxies first (no new clients), then replicas, then Redis. Idempotent. */
  async stop(): Promise<void> {
    await Promise.allSettled(this.proxies.map((proxy) => proxy.stop()));
    await Promise.allSettled(
      this.replicas.map(async (slot) => {
        if (!slot.handle) return;
        // a frozen process cannot act on SIGTERM until it is continued
        if (slot.frozen) slot.handle.process.killNow('SIGCONT');
        slot.frozen = false;
        await slot.handle.process.stop('SIGTERM', 3_000);
      }),
    );
    await Promise.allSettled([this.redisSingle?.stop(), this.redisCluster?.stop()]);
  }
}
