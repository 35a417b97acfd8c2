/**
 * The wslab topology on Docker: a user-defined network, Redis (single or a 6-node cluster),
 * N replicas of the WebSocket service built from app/Dockerfile, and HAProxy or Nginx in front
 * with the config from the shared renderer. The only file that reads stack config and exports
 * stack outputs; see infra/README.md.
 */
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import { proxyInput } from '../topology/proxy-input.js';
import { replicaEnv } from '../topology/replica-env.js';
import { resourcesOf } from '../topology/spec.js';
import {
  checkSecret,
  resolveStackConfig,
  type SecretKey,
  STACK_CONFIG_KEYS,
} from '../topology/stack-config.js';
import { stackAddressPlan } from './components/addresses.js';
import { LoadBalancer } from './components/load-balancer.js';
import { RedisCluster } from './components/redis-cluster.js';
import { SERVICE_PORT, WsService } from './components/ws-service.js';
import { CONTAINER_PROXY } from './container-proxy.js';
import { kubernetesDeployment } from './kubernetes/deployment.js';

const config = new pulumi.Config();
const source = `stack ${pulumi.getStack()}`;
// Every key goes through the same parser the lab uses for stack files (one exact message
// per bad value); `proxy` has no default, so Pulumi's own "missing required" hint applies.
const stack = resolveStackConfig(
  {
    ...Object.fromEntries(STACK_CONFIG_KEYS.map((key) => [key, config.get(key)])),
    proxy: config.require('proxy'),
  },
  // Every set key, so a misspelt `wslab:` key fails instead of silently using a default.
  { source, presentKeys: Object.keys(pulumi.runtime.allConfig()) },
);
// Secrets stay Outputs (encrypted in state); their length is checked inside apply, so a too-short
// key fails `pulumi preview`/`up` with the parser's message instead of crash-looping a replica.
const secret = (key: SecretKey) => config.getSecret(key)?.apply((value) => checkSecret(key, value, source));
const redisPassword =
  secret('redisPassword') ??
  new random.RandomPassword('redis-password', { length: 32, special: false }).result;
const publishApiKey = secret('publishApiKey');
// Closed by default: with `auth: jwt` (the spec's default) the stack gets a generated signing secret
// unless one is configured; `auth: none` deploys open, on purpose.
const tokenSecret =
  stack.auth === 'none'
    ? undefined
    : (secret('authJwtSecret') ??
      new random.RandomPassword('auth-jwt-secret', { length: 48, special: false }).result);
// Set during a rollover: tokens signed with the retired secret keep working until they expire.
const authJwtSecretPrevious = secret('authJwtSecretPrevious');

/** The Docker deployment: a network, Redis, the replicas built from app/Dockerfile, the proxy. */
function dockerDeployment() {
  // Container names carry project and stack, so two stacks can run side by side on one host.
  const prefix = `wslab-${pulumi.getStack()}`;
  // Declared subnet: Redis nodes get fixed addresses, everything else the dynamic range.
  const addresses = stackAddressPlan(prefix);
  const network = new docker.Network(
    'network',
    {
      name: `${prefix}-net`,
      driver: 'bridge',
      ipamConfigs: [
        { subnet: addresses.subnet, gateway: addresses.gateway, ipRange: addresses.dynamicRange },
      ],
    },
    // Named, so a replacement must remove the old network first.
    { deleteBeforeReplace: true },
  );

  const redis = new RedisCluster('redis', {
    mode: stack.redisMode,
    nodeTimeoutMs: stack.redisNodeTimeoutMs,
    image: stack.redisImage,
    networkName: network.name,
    containerPrefix: prefix,
    password: pulumi.secret(redisPassword),
    hostPort: stack.redisHostPort,
    publishAddress: stack.publishAddress,
    resources: resourcesOf(stack, 'redis'),
    nodeAddress: addresses.redisNode,
  });

  // The build context is the repository root wherever `pulumi` runs the program from.
  const repoRoot = fileURLToPath(new URL('..', import.meta.url));
  const fromCwd = (path: string) => relative(process.cwd(), path) || '.';
  const service = new WsService(
    'app',
    {
      replicas: stack.replicas,
      buildContext: fromCwd(repoRoot),
      dockerfile: fromCwd(`${repoRoot}app/Dockerfile`),
      imageName: stack.appImage,
      nodeImage: stack.nodeImage,
      networkName: network.name,
      containerPrefix: prefix,
      drainWindowMs: stack.drainWindowMs,
      // The same spec → env mapping as the lab; only the placement is Docker's.
      envOf: (backend) =>
        replicaEnv(stack, {
          host: '0.0.0.0',
          port: SERVICE_PORT,
          instanceId: backend.host,
          redisUrl: redis.url,
          redisClusterNodes: redis.seeds,
          redisPassword: pulumi.secret(redisPassword),
          ...(publishApiKey === undefined ? {} : { publishApiKey: pulumi.secret(publishApiKey) }),
          ...(tokenSecret === undefined ? {} : { authJwtSecret: pulumi.secret(tokenSecret) }),
          ...(authJwtSecretPrevious === undefined
            ? {}
            : { authJwtSecretPrevious: pulumi.secret(authJwtSecretPrevious) }),
        }),
      resources: resourcesOf(stack, 'replica'),
    },
    // Not just `[redis]`: the gate rejects when cluster creation failed, so no replica is created.
    { dependsOn: redis.readyGate },
  );

  const proxy = new LoadBalancer(
    'proxy',
    {
      kind: stack.proxy,
      image: stack.proxy === 'haproxy' ? stack.haproxyImage : stack.nginxImage,
      options: proxyInput(stack, {
        backends: service.backends,
        listen: { host: '0.0.0.0', port: CONTAINER_PROXY.listenPort },
        stats: { host: '0.0.0.0', port: CONTAINER_PROXY.statsPort },
        paths: CONTAINER_PROXY[stack.proxy].paths,
      }),
      networkName: network.name,
      containerName: `${prefix}-${stack.proxy}`,
      httpHostPort: stack.httpPort,
      statsHostPort: stack.statsPort,
      publishAddress: stack.publishAddress,
      resources: resourcesOf(stack, 'proxy'),
      replicaContainerIds: service.containers.map((container) => container.id),
    },
    { dependsOn: service.containers },
  );

  return { network, redis, service, proxy };
}

// The same stack on Kubernetes (infra/kubernetes/): objects instead of containers, the same
// spec → env and proxy config mappings.
const onKubernetes = stack.platform === 'kubernetes';
const kube = onKubernetes
  ? kubernetesDeployment(stack, pulumi.getStack(), {
      redisPassword: pulumi.secret(redisPassword),
      ...(tokenSecret === undefined ? {} : { authJwtSecret: pulumi.secret(tokenSecret) }),
      ...(authJwtSecretPrevious === undefined
        ? {}
        : { authJwtSecretPrevious: pulumi.secret(authJwtSecretPrevious) }),
      ...(publishApiKey === undefined ? {} : { publishApiKey: pulumi.secret(publishApiKey) }),
    })
  : undefined;
const onDocker = onKubernetes ? undefined : dockerDeployment();

// 127.0.0.1 rather than localhost: Node may try ::1 first, where nothing is published.
const host = stack.publishAddress === '0.0.0.0' ? '127.0.0.1' : stack.publishAddress;

/** WebSocket endpoint through the proxy (`?room=` picks the replica in room stickiness). */
export const wsUrl = `ws://${host}:${stack.httpPort}/ws`;
/** HTTP base through the proxy (POST /api/publish, GET /healthz of some replica). */
export const httpUrl = `http://${host}:${stack.httpPort}`;
/** HAProxy stats page, or Nginx stub_status. */
export const statsUrl =
  stack.proxy === 'haproxy'
    ? `http://${host}:${stack.statsPort}/`
    : `http://${host}:${stack.statsPort}/stub_status`;
/** Prometheus metrics of the proxy (HAProxy's exporter; Nginx OSS has stub_status only). */
export const metricsUrl =
  stack.proxy === 'haproxy'
    ? `http://${host}:${stack.statsPort}/metrics`
    : `http://${host}:${stack.statsPort}/stub_status`;
/** The resolved topology spec this stack deploys (topology/README.md): every key, defaults merged. */
export const deployedSpec = stack;
export const proxyKind = stack.proxy;
export const stickiness = stack.stickiness;
export const platform = stack.platform;
/** Docker: the replica containers' names; Kubernetes: the replica pods' DNS names. */
export const replicaContainers = (onDocker?.service ?? kube?.service)?.backends.map(
  (backend) => backend.host,
);
export const proxyContainer = onDocker?.proxy.container.name;
export const redisMode = stack.redisMode;
export const redisSeeds = onDocker?.redis.seeds ?? kube?.redis.seeds;
export const redisReady = onDocker?.redis.ready;
export const networkName = onDocker?.network.name;
/** Kubernetes: the proxy's LoadBalancer address once the cloud has given it one. */
export const loadBalancerAddress = kube?.proxy.service.status.apply(
  (status) => status?.loadBalancer?.ingress?.[0]?.ip ?? status?.loadBalancer?.ingress?.[0]?.hostname,
);
/** `pulumi stack output redisPassword --show-secrets`; stored encrypted in the state. */
export const redisPasswordSecret = pulumi.secret(redisPassword);
/** The token signing secret (`wslab token` mints with it); absent with `auth: none`. */
export const authJwtSecret = tokenSecret === undefined ? undefined : pulumi.secret(tokenSecret);
export const authMode = stack.auth;
