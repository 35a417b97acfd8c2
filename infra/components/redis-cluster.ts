import { readFileSync } from 'node:fs';
import * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';
import type { ComponentResources, RedisMode } from '../../topology/spec.js';
import { containerLimits } from '../container-limits.js';

export interface RedisClusterArgs {
  /** `cluster`: 3 masters + 3 replicas and a one-shot `redis-cli --cluster create`; `single`: one server. */
  mode: RedisMode;
  /** Image reference, e.g. `redis:7.4-bookworm` (Debian-based: the cluster script uses sh and awk). */
  image: pulumi.Input<string>;
  /** Name of the user-defined Docker network every container joins. */
  networkName: pulumi.Input<string>;
  /** Docker container names are `${containerPrefix}-redis-<i>`; they are also the DNS names on the network. */
  containerPrefix: string;
  /** AUTH password for clients and replication (a Pulumi secret). */
  password: pulumi.Input<string>;
  /**
   * Publish the node's port on the host (single mode only); undefined (the default) keeps Redis
   * private to the network. Cluster mode refuses it: MOVED replies name network addresses a
   * host client cannot reach, so one published node is not a usable cluster from the host.
   */
  hostPort?: number;
  /** Fixed network address of each node, in node order (the network's plan, `addresses.ts`). */
  nodeAddress: (index: number) => string;
  /** Host address a published port binds to. */
  publishAddress?: string;
  /**
   * Redis Cluster node timeout: how long a master may be unreachable before its replica is
   * promoted. The spec's redisNodeTimeoutMs; default 2000 ms, as in the local lab (runtime/redis.ts).
   */
  nodeTimeoutMs?: number;
  /** CPU and memory caps of each Redis node container; unset = uncapped. */
  resources?: ComponentResources;
}

/** Port every Redis node listens on inside its container. */
export const REDIS_PORT = 6379;
/** Masters and replicas per master in cluster mode. */
export const CLUSTER_MASTERS = 3;
export const CLUSTER_REPLICAS_PER_MASTER = 1;
const CONFIG_PATH = '/usr/local/etc/redis/redis.conf';
/** Label of the cluster-creation container holding the node container ids it ran for. */
export const NODE_IDS_LABEL = 'wslab.redis-node-container-ids';
const SCRIPT_PATH = '/usr/local/bin/wslab-redis-cluster.sh';
const START_PATH = '/usr/local/bin/wslab-redis-node-start.sh';

/**
 * Redis for the service's bus and history: one server, or a six-node Redis Cluster whose
 * slots are assigned by a one-shot container once every node is healthy.
 */
export class RedisCluster extends pulumi.ComponentResource {
  /** The Redis containers, node 0 first. */
  public readonly nodes: docker.Container[];
  /** `host:port` of every node on the network (cluster seeds; one entry in single mode). */
  public readonly seeds: string[];
  /** `redis://host:port` of node 0 (the service's REDIS_URL in single mode). */
  public readonly url: string;
  /** The one-shot `redis-cli --cluster create` container (cluster mode only). */
  public readonly clusterCreate: docker.Container | undefined;
  /**
   * Resolves once Redis is usable: in cluster mode it fails the update when
   * `--cluster create` exited non-zero (the provider itself does not fail on an exit code).
   */
  public readonly ready: pulumi.Output<boolean>;
  /**
   * What Redis clients pass as `dependsOn`: this component once `ready`. A failed cluster
   * creation rejects it, so dependent containers are never created (a plain `dependsOn` on the
   * component would only wait for the creation container to exist, whatever its exit code).
   */
  public readonly readyGate: pulumi.Output<pulumi.Resource[]>;
  /** Fixed network addresses of the nodes, node 0 first. */
  public readonly addresses: string[];

  constructor(name: string, args: RedisClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super('wslab:infra:RedisCluster', name, {}, opts);
    if (args.mode === 'cluster' && args.hostPort !== undefined) {
      throw new Error(
        `redisHostPort (${args.hostPort}) works with redisMode single only: a cluster answers MOVED with ` +
          'node addresses inside the Docker network, which a client on the host cannot reach. ' +
          'Unset it (`pulumi config rm wslab:redisHostPort`), or use redisMode single.',
      );
    }
    const nodeCount = args.mode === 'cluster' ? CLUSTER_MASTERS * (1 + CLUSTER_REPLICAS_PER_MASTER) : 1;
    const image = new docker.RemoteImage(
      `${name}-image`,
      { name: args.image, keepLocally: true },
      { parent: this },
    );
    const hostnames = Array.from(
      { length: nodeCount },
      (_, index) => `${args.containerPrefix}-redis-${index}`,
    );
    this.addresses = hostnames.map((_, index) => args.nodeAddress(index));
    const config = pulumi
      .secret(args.password)
      .apply((password) => redisConf(args.mode, password, args.nodeTimeoutMs ?? 2_000));

    this.nodes = hostnames.map(
      (hostname, index) =>
        new docker.Container(
          `${name}-node-${index}`,
          {
            name: hostname,
            hostname,
            image: image.imageId,
            // A cluster node starts through redis-node-start.sh: a new node on a lost master's
            // address waits until the cluster has failed that master over.
            command: args.mode === 'cluster' ? ['sh', START_PATH] : ['redis-server', CONFIG_PATH],
            uploads: [
              { file: CONFIG_PATH, content: config, permissions: '0644' },
              ...(args.mode === 'cluster'
                ? [{ file: START_PATH, content: NODE_START_SCRIPT, permissions: '0755' }]
                : []),
            ],
            // redis-cli reads REDISCLI_AUTH, so the health check needs no password on its command line.
            envs: [
              pulumi.interpolate`REDISCLI_AUTH=${pulumi.secret(args.password)}`,
              ...(args.mode === 'cluster'
                ? [
                    `REDIS_CONFIG=${CONFIG_PATH}`,
                    `REDIS_SELF=${this.addresses[index]}:${REDIS_PORT}`,
                    `REDIS_NODES=${this.addresses.join(' ')}`,
                    `REDIS_PORT=${REDIS_PORT}`,
                  ]
                : []),
            ],
            ...containerLimits(args.resources),
            healthcheck: {
              tests: ['CMD-SHELL', 'redis-cli ping | grep -q PONG'],
              interval: '2s',
              timeout: '2s',
              retries: 15,
              startPeriod: '2s',
            },
            // Created = healthy: the cluster-create container and the replicas start after that.
            wait: true,
            waitTimeout: 60,
            restart: 'unless-stopped',
            // A fixed address: a cluster node keeps its peers' addresses in nodes.conf, and a
            // restart in another order must not move them (redis/redis#14633).
            networksAdvanced: [
              { name: args.networkName, aliases: [hostname], ipv4Address: this.addresses[index] },
            ],
            ports:
              index === 0 && args.hostPort !== undefined
                ? [{ internal: REDIS_PORT, external: args.hostPort, ip: args.publishAddress ?? '127.0.0.1' }]
                : [],
          },
          // Docker names are unique: a replacement removes the old container first.
          { parent: this, deleteBeforeReplace: true },
        ),
    );
    this.seeds = hostnames.map((hostname) => `${hostname}:${REDIS_PORT}`);
    this.url = `redis://${hostnames[0]}:${REDIS_PORT}`;

    if (args.mode === 'cluster') {
      const create = new docker.Container(
        `${name}-cluster-create`,
        {
          name: `${args.containerPrefix}-redis-cluster-create`,
          image: image.imageId,
          command: ['sh', SCRIPT_PATH],
          uploads: [{ file: SCRIPT_PATH, content: CLUSTER_SCRIPT, permissions: '0755' }],
          envs: [
            pulumi.interpolate`REDISCLI_AUTH=${pulumi.secret(args.password)}`,
            `REDIS_NODES=${this.addresses.join(' ')}`,
            `REDIS_PORT=${REDIS_PORT}`,
            `CLUSTER_MASTERS=${CLUSTER_MASTERS}`,
            `CLUSTER_REPLICAS=${CLUSTER_REPLICAS_PER_MASTER}`,
          ],
          networksAdvanced: [{ name: args.networkName }],
          // The nodes' container ids: a replaced node (new id) replaces this container, so the
          // script runs again and adds the new, empty node back to the cluster.
          labels: [
            {
              label: NODE_IDS_LABEL,
              value: pulumi.all(this.nodes.map((node) => node.id)).apply((ids) => ids.join(',')),
            },
          ],
          // A one-shot task: wait for it to exit, keep it (and its logs) for `docker logs`,
          // and do not treat "not running" as drift on the next `pulumi up`.
          attach: true,
          logs: true,
          mustRun: false,
          rm: false,
          restart: 'no',
        },
        { parent: this, dependsOn: this.nodes, deleteBeforeReplace: true },
      );
      this.clusterCreate = create;
      this.ready = create.exitCode.apply((code) => {
        if (code !== undefined && code !== null && code !== 0) {
          throw new pulumi.ResourceError(
            `redis-cli --cluster create exited with ${code}; see \`docker logs ${args.containerPrefix}-redis-cluster-create\``,
            create,
          );
        }
        return true;
      });
    } else {
      this.clusterCreate = undefined;
      this.ready = pulumi.output(true);
    }
    this.readyGate = this.ready.apply(() => [this as pulumi.Resource]);

    this.registerOutputs({ seeds: this.seeds, url: this.url, ready: this.ready });
  }
}

/** redis.conf for one node (uploaded into the container; contains the password, so it is a secret). */
export function redisConf(mode: RedisMode, password: string, nodeTimeoutMs: number): string {
  const quoted = `"${password.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const lines = [
    '# Rendered by infra/components/redis-cluster.ts.',
    `port ${REDIS_PORT}`,
    'bind * -::*',
    `requirepass ${quoted}`,
    // Replicas authenticate to their master with the same password.
    `masterauth ${quoted}`,
    // A lab: no persistence, so a recreated container starts empty and fast.
    'save ""',
    'appendonly no',
  ];
  if (mode === 'cluster') {
    lines.push(
      'cluster-enabled yes',
      'cluster-config-file nodes.conf',
      `cluster-node-timeout ${nodeTimeoutMs}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The create-or-heal script (redis-cluster.sh next to this file), uploaded into the one-shot container. */
export const CLUSTER_SCRIPT = readFileSync(new URL('./redis-cluster.sh', import.meta.url), 'utf8');
/** Each cluster node's start command (redis-node-start.sh next to this file). */
export const NODE_START_SCRIPT = readFileSync(new URL('./redis-node-start.sh', import.meta.url), 'utf8');
