import * as k8s from '@pulumi/kubernetes';
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
import { labelsOf, resourceRequirements } from './labels.js';

/** A key of a Kubernetes Secret (what `secretKeyRef` points at). */
export interface SecretKeyRef {
  name: pulumi.Input<string>;
  key: string;
}

export interface KubeRedisArgs {
  /** `cluster`: a 6-pod StatefulSet and a heal Job; `single`: one pod. */
  mode: DeployedRedisMode;
  image: string;
  /** Object names start with it (`<prefix>-redis`, …); also the `app.kubernetes.io/instance` label. */
  prefix: string;
  /** The Redis password as a Pulumi secret (rendered into redis.conf, a Kubernetes Secret). */
  password: pulumi.Input<string>;
  /** The same password in the stack's Secret, for redis-cli (`REDISCLI_AUTH`) in probes and the Job. */
  passwordRef: SecretKeyRef;
  nodeTimeoutMs: number;
  resources?: ComponentResources;
}

const CONFIG_DIR = '/etc/wslab-redis';
const SCRIPTS_DIR = '/opt/wslab';
const DATA_DIR = '/data';
/** Small: a cluster node keeps only nodes.conf there (no persistence of data: `save ""`). */
const NODE_STATE_SIZE = '64Mi';

/**
 * Redis on Kubernetes, the counterpart of infra/components/redis-cluster.ts: one StatefulSet pod
 * behind a Service, or six pods behind a headless Service whose nodes announce their stable DNS
 * names (`cluster-announce-hostname`, `cluster-preferred-endpoint-type hostname`), so a pod
 * rescheduled with a new IP keeps its identity (nodes.conf on its volume) and its peers find it
 * by name. The cluster is created and healed by a Job running the same redis-cluster.sh.
 */
export class KubeRedis extends pulumi.ComponentResource {
  public readonly statefulSet: k8s.apps.v1.StatefulSet;
  public readonly service: k8s.core.v1.Service;
  /** `host:port` of every node (cluster seeds; one entry in single mode). */
  public readonly seeds: string[];
  /** `redis://host:port` (the service's REDIS_URL in single mode). */
  public readonly url: string;
  /** The create-or-heal Job (cluster mode); Pulumi waits for it to complete. */
  public readonly healJob: k8s.batch.v1.Job | undefined;
  /** What Redis clients pass as `dependsOn`: the Job in cluster mode, else the StatefulSet. */
  public readonly readyGate: pulumi.Resource[];

  constructor(name: string, args: KubeRedisArgs, opts?: pulumi.ComponentResourceOptions) {
    super('wslab:kubernetes:Redis', name, {}, opts);
    const cluster = args.mode === 'cluster';
    const base = `${args.prefix}-redis`;
    const labels = labelsOf(args.prefix, 'redis');
    const nodeCount = cluster ? CLUSTER_MASTERS * (1 + CLUSTER_REPLICAS_PER_MASTER) : 1;
    const hostnames = Array.from({ length: nodeCount }, (_, index) => `${base}-${index}.${base}`);
    const config = new k8s.core.v1.Secret(
      `${name}-config`,
      {
        metadata: { name: `${base}-config`, labels },
        stringData: {
          'redis.conf': pulumi
            .secret(args.password)
            .apply((password) => redisConf(args.mode, password, args.nodeTimeoutMs)),
        },
      },
      { parent: this },
    );
    const scripts = new k8s.core.v1.ConfigMap(
      `${name}-scripts`,
      {
        metadata: { name: `${base}-scripts`, labels },
        data: { 'redis-cluster.sh': CLUSTER_SCRIPT, 'redis-node-start.sh': NODE_START_SCRIPT },
      },
      { parent: this },
    );
    const auth = { name: 'REDISCLI_AUTH', valueFrom: { secretKeyRef: args.passwordRef } };
    this.service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: { name: base, labels },
        spec: {
          // Headless in cluster mode: one DNS name per pod, and peers resolve before they are ready.
          ...(cluster ? { clusterIP: 'None', publishNotReadyAddresses: true } : {}),
          selector: labels,
          ports: [{ name: 'redis', port: REDIS_PORT, targetPort: REDIS_PORT }],
        },
      },
      { parent: this },
    );
    // The announced name goes on the command line, not in the Secret: it is per pod and no secret.
    const start = cluster
      ? [
          `cp ${CONFIG_DIR}/redis.conf ${DATA_DIR}/redis.conf`,
          `printf 'cluster-announce-hostname %s\\ncluster-preferred-endpoint-type hostname\\n' "$POD_NAME.${base}" >> ${DATA_DIR}/redis.conf`,
          `exec sh ${SCRIPTS_DIR}/redis-node-start.sh`,
        ].join(' && ')
      : `exec redis-server ${CONFIG_DIR}/redis.conf`;
    this.statefulSet = new k8s.apps.v1.StatefulSet(
      `${name}-nodes`,
      {
        metadata: { name: base, labels },
        spec: {
          serviceName: base,
          replicas: nodeCount,
          // Every node at once: the heal Job, not start order, forms the cluster.
          podManagementPolicy: 'Parallel',
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              containers: [
                {
                  name: 'redis',
                  image: args.image,
                  command: ['sh', '-c', start],
                  workingDir: DATA_DIR,
                  env: [
                    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                    auth,
                    ...(cluster
                      ? [
                          { name: 'REDIS_CONFIG', value: `${DATA_DIR}/redis.conf` },
                          { name: 'REDIS_SELF', value: `$(POD_NAME).${base}:${REDIS_PORT}` },
                          { name: 'REDIS_NODES', value: hostnames.join(' ') },
                          { name: 'REDIS_PORT', value: String(REDIS_PORT) },
                        ]
                      : []),
                  ],
                  ports: [{ name: 'redis', containerPort: REDIS_PORT }],
                  readinessProbe: {
                    exec: { command: ['sh', '-c', 'redis-cli ping | grep -q PONG'] },
                    periodSeconds: 2,
                    timeoutSeconds: 2,
                  },
                  resources: resourceRequirements(args.resources),
                  volumeMounts: [
                    { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
                    { name: 'scripts', mountPath: SCRIPTS_DIR, readOnly: true },
                    { name: 'state', mountPath: DATA_DIR },
                  ],
                },
              ],
              volumes: [
                { name: 'config', secret: { secretName: config.metadata.name } },
                { name: 'scripts', configMap: { name: scripts.metadata.name } },
                // Single: nothing to keep. Cluster: a claim per pod (below) keeps nodes.conf.
                ...(cluster ? [] : [{ name: 'state', emptyDir: {} }]),
              ],
            },
          },
          volumeClaimTemplates: cluster
            ? [
                {
                  metadata: { name: 'state' },
                  spec: {
                    accessModes: ['ReadWriteOnce'],
                    resources: { requests: { storage: NODE_STATE_SIZE } },
                  },
                },
              ]
            : [],
        },
      },
      { parent: this },
    );
    this.seeds = hostnames.map((hostname) => `${hostname}:${REDIS_PORT}`);
    this.url = `redis://${cluster ? hostnames[0] : base}:${REDIS_PORT}`;

    this.healJob = cluster
      ? new k8s.batch.v1.Job(
          `${name}-heal`,
          {
            metadata: { name: `${base}-heal`, labels },
            spec: {
              backoffLimit: 4,
              template: {
                metadata: { labels: { ...labels, 'app.kubernetes.io/component': 'redis-heal' } },
                spec: {
                  restartPolicy: 'Never',
                  containers: [
                    {
                      name: 'heal',
                      image: args.image,
                      command: ['sh', `${SCRIPTS_DIR}/redis-cluster.sh`],
                      env: [
                        auth,
                        { name: 'REDIS_NODES', value: hostnames.join(' ') },
                        { name: 'REDIS_PORT', value: String(REDIS_PORT) },
                        { name: 'CLUSTER_MASTERS', value: String(CLUSTER_MASTERS) },
                        { name: 'CLUSTER_REPLICAS', value: String(CLUSTER_REPLICAS_PER_MASTER) },
                      ],
                      volumeMounts: [{ name: 'scripts', mountPath: SCRIPTS_DIR, readOnly: true }],
                    },
                  ],
                  volumes: [{ name: 'scripts', configMap: { name: scripts.metadata.name } }],
                },
              },
            },
          },
          { parent: this, dependsOn: [this.statefulSet, this.service] },
        )
      : undefined;
    this.readyGate = this.healJob === undefined ? [this.statefulSet, this.service] : [this.healJob];
    this.registerOutputs({ seeds: this.seeds, url: this.url });
  }
}
