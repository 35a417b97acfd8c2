import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { mintToken, type TokenGrants } from '../../app/src/contracts/client-token.js';
import type { ProxyBackend } from '../../proxy/options.js';
import {
  type ProxyKind,
  resolveTopologySpec,
  type Stickiness,
  type TopologySpec,
  type TopologySpecInput,
} from '../../topology/spec.js';
import type { LabHost } from '../hosts/host.js';
import type { LabNetwork } from '../hosts/lab-network.js';
import type { ManagedProcess } from '../managed-process.js';
import type { RedisClusterHandle, RedisServerHandle } from '../redis.js';
import { type ComponentInfo, runningComponents } from './components.js';
import { LocalLoadBalancer } from './local-load-balancer.js';
import { LocalRedis } from './local-redis.js';
import { LocalWsService, type ReplicaSlot } from './local-ws-service.js';
import { type HostPlacement, placementFor } from './placement.js';
import { type LocalStartPlan, planLocalStart } from './start-plan.js';
import { TopologyHosts } from './topology-hosts.js';

export type { ComponentInfo, ReplicaSlot };

/** What starts a topology: a spec (any subset of keys; the rest take their defaults) and where it lives. */
export type TopologyInput = TopologySpecInput & {
  /** Where configs, logs and data go (`.lab/` for `wslab up`, a run dir for experiments). */
  dir: string;
  /**
   * With `hosts` > 1: the lab network's name (1 to 12 lower-case letters or digits, part of every
   * namespace's name). Default `t` and 6 random hex digits.
   */
  networkName?: string;
};

/**
 * The whole topology on 127.0.0.1 (or, with spec `hosts` > 1, on lab hosts of its own network,
 * placed by placementFor), composed like the Pulumi program's (infra/index.ts): Redis
 * (LocalRedis: one server, a 6-node cluster, or none), the service's replicas (LocalWsService),
 * and HAProxy and/or Nginx in front (LocalLoadBalancer), all started through ManagedProcess so
 * that stopping (or crashing) the lab leaves nothing behind.
 */
export class Topology {
  private currentPlan: LocalStartPlan;
  readonly dir: string;
  readonly publishApiKey: string;
  /** requirepass of the lab's Redis (masterauth too on a cluster), like the Pulumi stack's; every lab client uses it. */
  readonly redisPassword: string;
  /** The token signing secret, made per topology; undefined with `auth: none` (open, on purpose). */
  readonly authJwtSecret: string | undefined;
  readonly proxies: LocalLoadBalancer[] = [];
  private redis: LocalRedis | undefined;
  private service: LocalWsService | undefined;
  private labHosts: TopologyHosts | undefined;
  /** Which host runs what (`hosts` > 1); undefined on one host. */
  readonly placement: HostPlacement | undefined;

  private constructor(
    dir: string,
    spec: TopologySpec,
    private readonly networkName: string,
  ) {
    this.dir = dir;
    this.placement = placementFor(spec);
    this.currentPlan = planLocalStart(spec);
    this.publishApiKey = randomBytes(12).toString('hex');
    this.redisPassword = randomBytes(16).toString('hex');
    this.authJwtSecret = spec.auth === 'jwt' ? randomBytes(32).toString('hex') : undefined;
  }

  /** Starts everything and resolves once every part is ready; on failure stops what did start. */
  static async start(input: TopologyInput): Promise<Topology> {
    const { dir, networkName, ...spec } = input;
    const topology = new Topology(dir, resolveTopologySpec(spec), networkName ?? TopologyHosts.networkName());
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
  get plan(): LocalStartPlan {
    return this.currentPlan;
  }

  /** Switches every proxy to another stickiness mode (config re-rendered, graceful reload). */
  async setStickiness(stickiness: Stickiness): Promise<void> {
    this.currentPlan = planLocalStart({ ...this.spec, stickiness });
    await this.reloadProxies();
  }

  get logDir(): string {
    return join(this.dir, 'logs');
  }

  /** The replica slots r1, r2…, in start order. */
  get replicas(): ReplicaSlot[] {
    return this.service?.slots ?? [];
  }

  get redisSingle(): RedisServerHandle | undefined {
    return this.redis?.single;
  }

  get redisCluster(): RedisClusterHandle | undefined {
    return this.redis?.cluster;
  }

  /** The lab network of `hosts` > 1 (named after the topology); undefined on one host. */
  get network(): LabNetwork | undefined {
    return this.labHosts?.network;
  }

  /** The lab host a component (a name of components()) runs on; undefined on one host or for an unknown name. */
  hostOf(componentName: string): LabHost | undefined {
    const host = this.components().find((component) => component.name === componentName)?.host;
    return host === undefined ? undefined : this.labHosts?.network.host(host);
  }

  private async startAll(): Promise<void> {
    mkdirSync(this.logDir, { recursive: true });
    if (this.placement) {
      this.labHosts = await TopologyHosts.create(this.networkName, this.placement, this.spec.hostCpuCores);
    }
    const hosts = this.labHosts;
    this.redis = await LocalRedis.start({
      ...(hosts ? { hosts: hosts.redisHosts() } : {}),
      dir: join(this.dir, 'redis'),
      mode: this.plan.redis.mode,
      nodeTimeoutMs: this.plan.redis.nodeTimeoutMs,
      password: this.redisPassword,
      caps: this.plan.resources.redis,
    });
    this.service = new LocalWsService({
      spec: this.spec,
      logDir: this.logDir,
      placement: {
        ...this.redis.placement(),
        publishApiKey: this.publishApiKey,
        ...(this.authJwtSecret === undefined ? {} : { authJwtSecret: this.authJwtSecret }),
      },
      caps: this.plan.resources.replica,
      // a capped replica compiles its TypeScript at a fraction of a core
      startTimeoutMs: 60_000,
      ...(hosts ? { hostFor: (ordinal: number) => hosts.replicaHost(ordinal) } : {}),
    });
    await this.service.start(this.plan.replicas);
    for (const kind of this.plan.proxies) {
      this.proxies.push(
        await LocalLoadBalancer.start(
          kind,
          this.dir,
          this.plan.proxy,
          this.backends(),
          this.plan.resources.proxy,
          hosts?.edge,
        ),
      );
    }
  }

  private get replicaService(): LocalWsService {
    if (!this.service) throw new Error('the topology has not started its replicas');
    return this.service;
  }

  /** The replicas as proxy backends (each slot's address and port). */
  backends(): ProxyBackend[] {
    return this.service?.backends() ?? [];
  }

  private async reloadProxies(): Promise<void> {
    for (const proxy of this.proxies) await proxy.reload(this.plan.proxy, this.backends());
  }

  /** Finds a replica slot by id (r1, r2…). */
  replica(id: string): ReplicaSlot {
    return this.replicaService.slot(id);
  }

  /** Starts the process of a slot that is down (after kill or stop), on the same port. */
  startReplicaAgain(id: string): Promise<ReplicaSlot> {
    return this.replicaService.startAgain(id);
  }

  /** Scale out: one more replica, then every proxy reloaded with the new backend list. */
  async addReplica(): Promise<ReplicaSlot> {
    const slot = await this.replicaService.add();
    await this.reloadProxies();
    return slot;
  }

  /** Reloads one proxy (same backends): the fault "reload a proxy". */
  async reloadProxy(kind: ProxyKind): Promise<LocalLoadBalancer> {
    const proxy = this.proxy(kind);
    await proxy.reload(this.plan.proxy, this.backends());
    return proxy;
  }

  proxy(kind: ProxyKind): LocalLoadBalancer {
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

  /**
   * A token for the lab's own clients (load runner, probes, demo, faults), signed with this
   * topology's secret: every room by default, valid for the longest lifetime the replicas accept.
   * Undefined with `auth: none`, where clients connect without one.
   */
  async clientToken(
    grants: TokenGrants = { rooms: ['*'], pub: ['*'] },
    ttlS: number = this.spec.authTokenMaxLifetimeS,
  ): Promise<string | undefined> {
    if (this.authJwtSecret === undefined) return undefined;
    return mintToken(this.authJwtSecret, grants, ttlS);
  }

  /**
   * `count` distinct source addresses for the lab's own clients (a runner's `sourceAddresses`, a
   * probe's `localAddress`), so per-address limits and source stickiness see distinct clients:
   * 127.0.0.1 … 127.0.0.N on one host, the lab network's client addresses with `hosts` > 1.
   */
  async clientAddresses(count: number): Promise<string[]> {
    if (this.labHosts) return this.labHosts.network.clientAddresses(count);
    if (!Number.isInteger(count) || count < 1 || count > 254) {
      throw new Error(`client addresses: a count from 1 to 254, got ${count}`);
    }
    return Array.from({ length: count }, (_, index) => `127.0.0.${index + 1}`);
  }

  /** Ports of the live Redis servers (one, or every running cluster node). */
  redisPorts(): number[] {
    return this.redis?.livePorts() ?? [];
  }

  /** Every running component (for status, state.json and the /proc sampler). */
  components(): ComponentInfo[] {
    return runningComponents({
      redisSingle: this.redisSingle,
      redisCluster: this.redisCluster,
      replicas: this.replicas,
      proxies: this.proxies,
      hostAt: (address) => this.labHosts?.hostAt(address)?.name,
    });
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
    return [
      ...(this.redis?.processes() ?? []),
      ...(this.service?.handles().map((handle) => handle.process) ?? []),
      ...this.proxies.map((proxy) => proxy.process),
    ];
  }

  /**
   * Stops everything: proxies first (no new clients), then replicas, then Redis, then removes the
   * lab network (its namespaces, bridge, nftables table and host cgroups). Idempotent.
   */
  async stop(): Promise<void> {
    await Promise.allSettled(this.proxies.map((proxy) => proxy.stop()));
    await this.service?.stop({ graceMs: 3_000 });
    await this.redis?.stop();
    await this.labHosts?.network.remove();
  }
}
