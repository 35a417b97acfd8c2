import * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';
import type { ComponentResources, RedisMode } from '../../spec/topology.js';
import { containerLimits } from '../container-limits.js';

export interface RedisClusterArgs {
  /** `cluster`: 3 masters + 3 replicas and a one-shot `redis-cli --cluster create`; `single`: one server. */
  mode: RedisMode;
  /** Image reference, e.g. `redis:7.4-bookworm` (Debian-based: the create script uses getent and awk). */
  image: pulumi.Input<string>;
  /** Name of the user-defined Docker network every container joins. */
  networkName: pulumi.Input<string>;
  /** Docker container names are `${containerPrefix}-redis-<i>`; they are also the DNS names on the network. */
  containerPrefix: string;
  /** AUTH password for clients and replication (a Pulumi secret). */
  password: pulumi.Input<string>;
  /** Publish node 0's port on the host; undefined (the default) keeps Redis private to the network. */
  hostPort?: number;
  /** Host address a published port binds to. */
  publishAddress?: string;
  /**
   * Redis Cluster node timeout: how long a master may be unreachable before its replica is
   * promoted. Default 2000 ms, as in the local lab (runtime/redis.ts).
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

  constructor(name: string, args: RedisClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super('wslab:infra:RedisCluster', name, {}, opts);
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
            command: ['redis-server', CONFIG_PATH],
            uploads: [{ file: CONFIG_PATH, content: config, permissions: '0644' }],
            // redis-cli reads REDISCLI_AUTH, so the health check needs no password on its command line.
            envs: [pulumi.interpolate`REDISCLI_AUTH=${pulumi.secret(args.password)}`],
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
            networksAdvanced: [{ name: args.networkName, aliases: [hostname] }],
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
          command: ['sh', '-c', clusterCreateScript(hostnames)],
          envs: [pulumi.interpolate`REDISCLI_AUTH=${pulumi.secret(args.password)}`],
          networksAdvanced: [{ name: args.networkName }],
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

/**
 * The one-shot script: waits for every node, resolves their IPs (CLUSTER MEET takes IPs,
 * not hostnames), creates the cluster unless it already exists, then waits for `cluster_state:ok`.
 */
export function clusterCreateScript(hostnames: string[]): string {
  const first = hostnames[0]!;
  return [
    'set -eu',
    `hosts="${hostnames.join(' ')}"`,
    'addrs=""',
    'for h in $hosts; do',
    '  n=0',
    '  until redis-cli -h "$h" ping 2>/dev/null | grep -q PONG; do',
    '    n=$((n+1)); [ "$n" -lt 60 ] || { echo "redis node $h not answering" >&2; exit 1; }; sleep 1',
    '  done',
    '  ip=$(getent hosts "$h" | awk \'{print $1; exit}\')',
    `  addrs="$addrs $ip:${REDIS_PORT}"`,
    'done',
    `if redis-cli -h ${first} cluster info | grep -q cluster_state:ok; then echo "cluster already created"; exit 0; fi`,
    `redis-cli --cluster create $addrs --cluster-replicas ${CLUSTER_REPLICAS_PER_MASTER} --cluster-yes`,
    'n=0',
    `until redis-cli -h ${first} cluster info | grep -q cluster_state:ok; do`,
    '  n=$((n+1)); [ "$n" -lt 60 ] || { echo "cluster_state never became ok" >&2; exit 1; }; sleep 1',
    'done',
    'echo "cluster created:$addrs"',
  ].join('\n');
}
