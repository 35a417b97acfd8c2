import * as k8s from '@pulumi/kubernetes';
import type * as pulumi from '@pulumi/pulumi';
import { replicaEnv } from '../../topology/replica-env.js';
import { resourcesOf } from '../../topology/spec.js';
import type { StackConfig, StackConfigKey } from '../../topology/stack-config.js';
import { SERVICE_PORT } from '../components/ws-service.js';
import { CONTAINER_PROXY, containerProxyInput } from '../container-proxy.js';
import { dashboardJson } from '../grafana/export.js';
import { labelsOf } from './labels.js';
import { KubeLoadBalancer } from './load-balancer.js';
import { KubeRedis } from './redis.js';
import { KubeWsService } from './ws-service.js';

/** The stack's secrets as Pulumi secrets (generated or configured by infra/index.ts). */
export interface KubernetesSecrets {
  redisPassword: pulumi.Output<string>;
  authJwtSecret?: pulumi.Output<string> | undefined;
  authJwtSecretPrevious?: pulumi.Output<string> | undefined;
  publishApiKey?: pulumi.Output<string> | undefined;
}

/**
 * kube-dns' Service address in kubeadm, kind and k3s clusters (the `10.96.0.10` of the default
 * service CIDR). HAProxy's `nameserver` takes an address; another cluster's is `kubectl -n
 * kube-system get svc kube-dns` (not verified here: no cluster runs on these machines).
 */
export const CLUSTER_DNS = '10.96.0.10:53';
/**
 * Stack keys the Kubernetes objects do not read, and why; infra/test/round-trip.test.ts holds
 * every other key to changing them.
 */
export const NOT_ON_KUBERNETES: Partial<Record<StackConfigKey, string>> = {
  publishAddress: "the LoadBalancer Service's address is the cloud's; no host port is bound",
  redisHostPort: 'Redis stays inside the cluster (`kubectl port-forward` reaches it)',
  nodeImage: 'Kubernetes builds no image: wslab:appImage names the pushed one',
  swarmHosts: 'Swarm only: Kubernetes schedules pods itself',
  cpuPeriodUs: "a pod has no CFS period of its own: the kubelet's cpuCFSQuotaPeriod is per node",
};

/** The label kube-prometheus-stack's Grafana sidecar loads dashboards from. */
export const DASHBOARD_SIDECAR_LABEL = 'grafana_dashboard';

/**
 * The wslab topology as Kubernetes objects, from the same stack config as the Docker program:
 * the stack's Secret, Redis (single or cluster), the replicas, the proxy and the Grafana
 * dashboard. Objects carry fixed names (`wslab-<stack>-…`): pod DNS names are part of the
 * rendered proxy config and of the Redis Cluster's announced endpoints.
 */
export function kubernetesDeployment(stack: StackConfig, stackName: string, secrets: KubernetesSecrets) {
  const prefix = `wslab-${stackName}`;
  const secretName = `${prefix}-secrets`;
  const keyOf = {
    redisPassword: 'redis-password',
    authJwtSecret: 'auth-jwt-secret',
    authJwtSecretPrevious: 'auth-jwt-secret-previous',
    publishApiKey: 'publish-api-key',
  } as const;
  const present = (Object.keys(keyOf) as (keyof KubernetesSecrets)[]).filter(
    (key) => secrets[key] !== undefined,
  );
  const secret = new k8s.core.v1.Secret('secrets', {
    metadata: { name: secretName, labels: labelsOf(prefix, 'secrets') },
    stringData: Object.fromEntries(present.map((key) => [keyOf[key], secrets[key]!])),
  });
  const ref = (key: keyof KubernetesSecrets) =>
    secrets[key] === undefined
      ? undefined
      : { secretKeyRef: { name: secret.metadata.name, key: keyOf[key] } };

  const redis = new KubeRedis('redis', {
    mode: stack.redisMode,
    image: stack.redisImage,
    prefix,
    password: secrets.redisPassword,
    passwordRef: { name: secret.metadata.name, key: keyOf.redisPassword },
    nodeTimeoutMs: stack.redisNodeTimeoutMs,
    resources: resourcesOf(stack, 'redis'),
  });
  const service = new KubeWsService(
    'app',
    {
      replicas: stack.replicas,
      image: stack.appImage,
      prefix,
      drainWindowMs: stack.drainWindowMs,
      // The same spec → env mapping as the lab and Docker; secrets become Secret references.
      envOf: (instanceId) => {
        const env = replicaEnv(stack, {
          host: '0.0.0.0',
          port: SERVICE_PORT,
          instanceId,
          redisUrl: redis.url,
          redisClusterNodes: redis.seeds,
          redisPassword: ref('redisPassword'),
          publishApiKey: ref('publishApiKey'),
          authJwtSecret: ref('authJwtSecret'),
          authJwtSecretPrevious: ref('authJwtSecretPrevious'),
        });
        return Object.fromEntries(Object.entries(env).filter((entry) => entry[1] !== undefined)) as Record<
          string,
          NonNullable<(typeof env)[string]>
        >;
      },
      resources: resourcesOf(stack, 'replica'),
    },
    { dependsOn: redis.readyGate },
  );
  const proxy = new KubeLoadBalancer(
    'proxy',
    {
      kind: stack.proxy,
      image: stack.proxy === 'haproxy' ? stack.haproxyImage : stack.nginxImage,
      options: containerProxyInput(stack, service.backends),
      prefix,
      httpPort: stack.httpPort,
      // A cluster-internal Service either way: the stack's port when set, else the container's.
      statsPort: stack.statsPort ?? CONTAINER_PROXY.statsPort,
      clusterDns: CLUSTER_DNS,
      resources: resourcesOf(stack, 'proxy'),
    },
    { dependsOn: [service] },
  );
  const dashboard = new k8s.core.v1.ConfigMap('grafana-dashboard', {
    metadata: {
      name: `${prefix}-grafana-dashboard`,
      labels: { ...labelsOf(prefix, 'dashboard'), [DASHBOARD_SIDECAR_LABEL]: '1' },
    },
    data: { 'wslab-dashboard.json': dashboardJson() },
  });
  return { prefix, secret, redis, service, proxy, dashboard };
}
