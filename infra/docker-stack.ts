import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';
import { replicaEnv } from '../topology/replica-env.js';
import { resourcesOf } from '../topology/spec.js';
import type { StackConfig } from '../topology/stack-config.js';
import { stackAddressPlan } from './components/addresses.js';
import { LoadBalancer } from './components/load-balancer.js';
import { RedisCluster } from './components/redis-cluster.js';
import { SERVICE_PORT, WsService } from './components/ws-service.js';
import { containerProxyInput } from './container-proxy.js';
import type { StackSecrets } from './swarm/stack.js';

/** The repository root (the image's build context) wherever `pulumi` runs the program from. */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));
export const fromCwd = (path: string) => relative(process.cwd(), path) || '.';

/**
 * The wslab topology as containers on one Docker engine (`platform: docker`): a user-defined
 * network, Redis (single or a 6-node cluster), N replicas and HAProxy or Nginx in front.
 */
export function dockerStack(stack: StackConfig, prefix: string, secrets: StackSecrets) {
  const { redisPassword, publishApiKey, authJwtSecret: tokenSecret, authJwtSecretPrevious } = secrets;
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
      options: containerProxyInput(stack, service.backends),
      networkName: network.name,
      containerName: `${prefix}-${stack.proxy}`,
      httpHostPort: stack.httpPort,
      ...(stack.statsPort === undefined ? {} : { statsHostPort: stack.statsPort }),
      publishAddress: stack.publishAddress,
      resources: resourcesOf(stack, 'proxy'),
      replicaContainerIds: service.containers.map((container) => container.id),
    },
    { dependsOn: service.containers },
  );

  return { network, redis, service, proxy };
}
