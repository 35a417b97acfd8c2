/**
 * The wslab topology on Docker: Redis (single or a 6-node cluster), N replicas of the WebSocket
 * service built from app/Dockerfile, and HAProxy or Nginx in front with the config from the
 * shared renderer; as containers on one engine (docker-stack.ts) or as services on a Docker
 * Swarm (swarm/stack.ts) or as Kubernetes objects (kubernetes/deployment.ts), by the spec's `platform`. The only file that reads stack config and
 * exports stack outputs; see infra/README.md.
 */
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import {
  checkSecret,
  resolveStackConfig,
  type SecretKey,
  STACK_CONFIG_KEYS,
} from '../topology/stack-config.js';
import { appImage } from './components/ws-service.js';
import { dockerStack, fromCwd, repoRoot } from './docker-stack.js';
import { kubernetesDeployment } from './kubernetes/deployment.js';
import { swarmStack } from './swarm/stack.js';

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

// Names carry project and stack, so two stacks can run side by side on one engine or Swarm.
const prefix = `wslab-${pulumi.getStack()}`;
const secrets = { redisPassword, publishApiKey, authJwtSecret: tokenSecret, authJwtSecretPrevious };
const docker = stack.platform === 'docker' ? dockerStack(stack, prefix, secrets) : undefined;
const swarm =
  stack.platform === 'swarm'
    ? swarmStack(
        stack,
        prefix,
        secrets,
        // Built on the manager; every other node needs it loaded (no registry: infra/README.md).
        appImage(
          'swarm-app-image',
          {
            imageName: stack.appImage,
            buildContext: fromCwd(repoRoot),
            dockerfile: fromCwd(`${repoRoot}app/Dockerfile`),
            nodeImage: stack.nodeImage,
          },
          {},
        ).repoDigest,
      )
    : undefined;

// The same stack as Kubernetes objects (infra/kubernetes/): the same env and proxy config mappings.
const kube =
  stack.platform === 'kubernetes' ? kubernetesDeployment(stack, pulumi.getStack(), secrets) : undefined;

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
/** Docker: the replica containers; Kubernetes: the replica pods' DNS names; Swarm: none (the tasks of `swarmServices.app`). */
export const replicaContainers =
  (docker?.service ?? kube?.service)?.backends.map((backend) => backend.host) ?? [];
export const proxyContainer = docker?.proxy.container.name ?? null;
/** Swarm: the stack's services by role (`docker service ps <name>`). */
export const swarmServices = swarm?.serviceNames ?? null;
export const redisMode = stack.redisMode;
export const redisSeeds = docker?.redis.seeds ?? kube?.redis.seeds ?? swarm!.redis.seeds;
/** Docker: resolves once the cluster is created; Swarm: the one-shot service retries until it is. */
export const redisReady = docker?.redis.ready ?? pulumi.output(true);
export const networkName = docker?.network.name ?? swarm?.network.name ?? null;
/** Kubernetes: the proxy's LoadBalancer address once the cloud has given it one. */
export const loadBalancerAddress =
  kube?.proxy.service.status.apply(
    (status) =>
      status?.loadBalancer?.ingress?.[0]?.ip ?? status?.loadBalancer?.ingress?.[0]?.hostname ?? null,
  ) ?? null;
/** `pulumi stack output redisPassword --show-secrets`; stored encrypted in the state. */
export const redisPasswordSecret = pulumi.secret(redisPassword);
/** The token signing secret (`wslab token` mints with it); absent with `auth: none`. */
export const authJwtSecret = tokenSecret === undefined ? undefined : pulumi.secret(tokenSecret);
export const authMode = stack.auth;
