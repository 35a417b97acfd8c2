import { createHash } from 'node:crypto';
import * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';
import { replicaEnv } from '../../topology/replica-env.js';
import { resourcesOf } from '../../topology/spec.js';
import type { StackConfig } from '../../topology/stack-config.js';
import { swarmOverlaySubnet } from '../../topology/subnets.js';
import { prefixHashByte } from '../components/addresses.js';
import { SERVICE_PORT } from '../components/ws-service.js';
import { containerProxyInput } from '../container-proxy.js';
import { SwarmAppService } from './app-service.js';
import { SwarmProxy } from './proxy-service.js';
import { SwarmRedis } from './redis-services.js';
import { swarmSecret } from './swarm-secret.js';

/** The stack's secrets, as Outputs (undefined = the feature is off). */
export interface StackSecrets {
  redisPassword: pulumi.Input<string>;
  publishApiKey?: pulumi.Input<string>;
  authJwtSecret?: pulumi.Input<string>;
  authJwtSecretPrevious?: pulumi.Input<string>;
}

export interface SwarmDeployment {
  network: docker.Network;
  app: SwarmAppService;
  redis: SwarmRedis;
  proxy: SwarmProxy;
  /** Every Swarm service of the stack, by role. */
  serviceNames: { app: string; proxy: string; redis: string[] };
}

/** Marks a replicaEnv value that must reach the task as a Swarm secret, never as plain env. */
class SecretValue {
  constructor(readonly value: pulumi.Input<string>) {}
}

/**
 * The wslab topology as Swarm services (`platform: swarm`): an overlay network, Redis (one
 * pinned service per node), the app service and the proxy service; every secret a Swarm secret.
 * The engine Pulumi talks to must be a Swarm manager whose nodes carry wslab.host labels.
 */
export function swarmStack(
  stack: StackConfig,
  prefix: string,
  secrets: StackSecrets,
  image: pulumi.Input<string>,
): SwarmDeployment {
  const overlay = swarmOverlaySubnet(prefixHashByte(prefix) & 127);
  const network = new docker.Network(
    'swarm-network',
    {
      name: `${prefix}-overlay`,
      driver: 'overlay',
      // Attachable: `docker run --network` (a debugging shell, the lab's probes) can join it.
      attachable: true,
      ipamConfigs: [{ subnet: overlay.subnet, gateway: overlay.gateway }],
    },
    { deleteBeforeReplace: true },
  );
  const secret = (key: string, value: pulumi.Input<string>) =>
    swarmSecret(`secret-${key}`, `${prefix}-${key}`, value, {});
  const passwordSecret = secret('redis-password', secrets.redisPassword);

  const redis = new SwarmRedis('swarm-redis', {
    mode: stack.redisMode,
    image: stack.redisImage,
    networkId: network.id,
    servicePrefix: prefix,
    password: secrets.redisPassword,
    passwordSecret,
    nodeTimeoutMs: stack.redisNodeTimeoutMs,
    hosts: stack.swarmHosts,
    resources: resourcesOf(stack, 'redis'),
  });

  const wrap = (value: pulumi.Input<string> | undefined) =>
    value === undefined ? undefined : new SecretValue(value);
  const env = replicaEnv<SecretValue>(stack, {
    host: '0.0.0.0',
    port: SERVICE_PORT,
    // A Swarm template: each task gets app-<slot>, stable across a rolling update of that slot.
    instanceId: 'app-{{.Task.Slot}}',
    redisUrl: redis.url,
    redisClusterNodes: redis.seeds,
    redisPassword: new SecretValue(secrets.redisPassword),
    ...(secrets.publishApiKey === undefined ? {} : { publishApiKey: wrap(secrets.publishApiKey) }),
    ...(secrets.authJwtSecret === undefined ? {} : { authJwtSecret: wrap(secrets.authJwtSecret) }),
    ...(secrets.authJwtSecretPrevious === undefined
      ? {}
      : { authJwtSecretPrevious: wrap(secrets.authJwtSecretPrevious) }),
  });
  const plainEnv: Record<string, string> = {};
  const secretEnv: Record<string, docker.Secret> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value instanceof SecretValue) {
      // The Redis password's secret is shared with the Redis services (the same Input).
      secretEnv[name] =
        value.value === secrets.redisPassword
          ? passwordSecret
          : secret(name.toLowerCase().replace(/_/g, '-'), value.value);
    } else plainEnv[name] = value;
  }

  const appName = `${prefix}-app`;
  const app = new SwarmAppService(
    'swarm-app',
    {
      serviceName: appName,
      replicas: stack.replicas,
      image,
      networkId: network.id,
      env: plainEnv,
      secrets: secretEnv,
      drainWindowMs: stack.drainWindowMs,
      resources: resourcesOf(stack, 'replica'),
    },
    { dependsOn: [redis] },
  );

  const proxyName = `${prefix}-${stack.proxy}`;
  const proxy = new SwarmProxy(
    'swarm-proxy',
    {
      kind: stack.proxy,
      serviceName: proxyName,
      image: stack.proxy === 'haproxy' ? stack.haproxyImage : stack.nginxImage,
      options: containerProxyInput(stack, [{ id: 'app', host: app.tasksName, port: SERVICE_PORT }]),
      networkId: network.id,
      httpPort: stack.httpPort,
      ...(stack.statsPort === undefined ? {} : { statsPort: stack.statsPort }),
      resources: resourcesOf(stack, 'proxy'),
      // What replaces the app's tasks: its image, its env and secrets, its replica count.
      appSpecVersion: pulumi
        .all([pulumi.output(image), app.service.taskSpec, pulumi.output(stack.replicas)])
        .apply((parts) => createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16)),
    },
    { dependsOn: [app] },
  );

  return {
    network,
    app,
    redis,
    proxy,
    serviceNames: { app: appName, proxy: proxyName, redis: redis.seeds.map((seed) => seed.split(':')[0]!) },
  };
}
