import * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';
import type { ComponentResources, DeployedRedisMode } from '../../topology/spec.js';
import {
  CLUSTER_MASTERS,
  CLUSTER_REPLICAS_PER_MASTER,
  CLUSTER_SCRIPT,
  NODE_START_SCRIPT,
  REDIS_PORT,
  redisConf,
} from '../components/redis-cluster.js';
import { SECRETS_DIR, withSecretEnv } from './secret-env.js';
import { serviceLimits } from './service-limits.js';
import { swarmConfig, swarmSecret } from './swarm-secret.js';

/** The node label the lab (or an operator) sets: `docker node update --label-add wslab.host=<i>`. */
export const HOST_LABEL = 'wslab.host';
const START_PATH = '/usr/local/bin/wslab-redis-node-start.sh';
const SCRIPT_PATH = '/usr/local/bin/wslab-redis-cluster.sh';

export interface SwarmRedisArgs {
  mode: DeployedRedisMode;
  image: pulumi.Input<string>;
  networkId: pulumi.Input<string>;
  /** Service names are `${servicePrefix}-redis-<i>`; they are the nodes' DNS names on the overlay. */
  servicePrefix: string;
  /** The Swarm secret holding the password (REDISCLI_AUTH of the health check and the cluster job). */
  password: pulumi.Input<string>;
  passwordSecret: docker.Secret;
  nodeTimeoutMs: number;
  /** Nodes labelled HOST_LABEL=0..hosts-1: node i is pinned to host i mod hosts. */
  hosts: number;
  resources?: ComponentResources;
}

/**
 * The host node `index` is pinned to. With redis-cli's layout (masters are the first three
 * nodes; the remaining list is rotated by one before replicas are assigned, so master k gets
 * node 3 + (k + 1) mod 3), i mod hosts puts every master and its replica on different hosts
 * whenever there are at least two hosts; the lab test checks the layout it gets.
 */
export function redisHostOf(index: number, hosts: number): number {
  return index % hosts;
}

/**
 * Redis on a Swarm: one service per node, each with one task pinned to its host and its own
 * volume, so a node keeps its identity (nodes.conf in /data) across restarts and reschedules
 * onto the same host; masters and replicas on different hosts (redisHostOf). Cluster mode adds
 * the create-or-heal script (redis-cluster.sh) as a one-shot service, replaced whenever a node
 * service is, as the Docker stack does with its one-shot container.
 */
export class SwarmRedis extends pulumi.ComponentResource {
  public readonly nodes: docker.Service[];
  public readonly seeds: string[];
  public readonly url: string;
  public readonly clusterCreate: docker.Service | undefined;

  constructor(name: string, args: SwarmRedisArgs, opts?: pulumi.ComponentResourceOptions) {
    super('wslab:infra:SwarmRedis', name, {}, opts);
    const nodeCount = args.mode === 'cluster' ? CLUSTER_MASTERS * (1 + CLUSTER_REPLICAS_PER_MASTER) : 1;
    const hostnames = Array.from({ length: nodeCount }, (_, index) => `${args.servicePrefix}-redis-${index}`);
    const conf = swarmSecret(
      `${name}-conf`,
      `${args.servicePrefix}-redis-conf`,
      pulumi.secret(args.password).apply((password) => redisConf(args.mode, password, args.nodeTimeoutMs)),
      { parent: this },
    );
    const startScript = swarmConfig(
      `${name}-start-script`,
      `${args.servicePrefix}-redis-start`,
      NODE_START_SCRIPT,
      {
        parent: this,
      },
    );
    const auth = {
      secretId: args.passwordSecret.id,
      secretName: args.passwordSecret.name,
      fileName: 'REDISCLI_AUTH',
    };
    const confPath = `${SECRETS_DIR}/redis.conf`;

    this.nodes = hostnames.map(
      (hostname, index) =>
        new docker.Service(
          `${name}-node-${index}`,
          {
            name: hostname,
            mode: { replicated: { replicas: 1 } },
            taskSpec: {
              containerSpec: {
                image: args.image,
                hostname,
                commands: withSecretEnv(
                  args.mode === 'cluster' ? ['sh', START_PATH] : ['redis-server', confPath],
                ),
                env:
                  args.mode === 'cluster'
                    ? {
                        REDIS_CONFIG: confPath,
                        // Task addresses change on restart: the start gate (a new node on a lost
                        // master's address) never matches a name, and is not needed here, since a
                        // pinned node restarts with its nodes.conf.
                        REDIS_SELF: `${hostname}:${REDIS_PORT}`,
                        REDIS_NODES: hostnames.join(' '),
                        REDIS_PORT: String(REDIS_PORT),
                      }
                    : {},
                secrets: [auth, { secretId: conf.id, secretName: conf.name, fileName: 'redis.conf' }],
                configs: [
                  {
                    configId: startScript.id,
                    configName: startScript.name,
                    fileName: START_PATH,
                    fileMode: 0o755,
                  },
                ],
                mounts: [{ type: 'volume', source: `${hostname}-data`, target: '/data' }],
                healthcheck: {
                  tests: [
                    'CMD-SHELL',
                    `REDISCLI_AUTH=$(cat ${SECRETS_DIR}/REDISCLI_AUTH) redis-cli ping | grep -q PONG`,
                  ],
                  interval: '2s',
                  timeout: '2s',
                  retries: 15,
                  startPeriod: '2s',
                },
              },
              networksAdvanceds: [{ name: args.networkId, aliases: [hostname] }],
              placement: { constraints: [`node.labels.${HOST_LABEL}==${redisHostOf(index, args.hosts)}`] },
              resources: serviceLimits(args.resources),
              restartPolicy: { condition: 'any', delay: '1s' },
            },
            // One task holding a volume: stop the old one before starting its replacement.
            updateConfig: { parallelism: 1, order: 'stop-first' },
            endpointSpec: { mode: 'dnsrr' },
            convergeConfig: { delay: '2s', timeout: '3m' },
          },
          // Service names are unique in a Swarm: a replacement removes the old service first.
          { parent: this, deleteBeforeReplace: true },
        ),
    );
    this.seeds = hostnames.map((hostname) => `${hostname}:${REDIS_PORT}`);
    this.url = `redis://${hostnames[0]}:${REDIS_PORT}`;

    if (args.mode === 'cluster') {
      const script = swarmConfig(
        `${name}-cluster-script`,
        `${args.servicePrefix}-redis-cluster`,
        CLUSTER_SCRIPT,
        {
          parent: this,
        },
      );
      this.clusterCreate = new docker.Service(
        `${name}-cluster-create`,
        {
          name: `${args.servicePrefix}-redis-cluster-create`,
          // The node services' ids: a replaced node service replaces this one, so the script runs again.
          labels: [
            {
              label: 'wslab.redis-node-service-ids',
              value: pulumi.all(this.nodes.map((node) => node.id)).apply((ids) => ids.join(',')),
            },
          ],
          mode: { replicated: { replicas: 1 } },
          taskSpec: {
            containerSpec: {
              image: args.image,
              commands: withSecretEnv(['sh', SCRIPT_PATH]),
              env: {
                REDIS_NODES: hostnames.join(' '),
                REDIS_PORT: String(REDIS_PORT),
                CLUSTER_MASTERS: String(CLUSTER_MASTERS),
                CLUSTER_REPLICAS: String(CLUSTER_REPLICAS_PER_MASTER),
              },
              secrets: [auth],
              configs: [
                { configId: script.id, configName: script.name, fileName: SCRIPT_PATH, fileMode: 0o755 },
              ],
            },
            networksAdvanceds: [{ name: args.networkId }],
            // A one-shot task: retried while the nodes come up, done once it exits 0.
            restartPolicy: { condition: 'on-failure', delay: '5s', maxAttempts: 10 },
          },
          endpointSpec: { mode: 'dnsrr' },
        },
        { parent: this, dependsOn: this.nodes, deleteBeforeReplace: true },
      );
    } else {
      this.clusterCreate = undefined;
    }
    this.registerOutputs({ seeds: this.seeds, url: this.url });
  }
}
