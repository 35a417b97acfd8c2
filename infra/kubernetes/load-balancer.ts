import { createHash } from 'node:crypto';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { renderHaproxyConfig } from '../../haproxy/render.js';
import { renderNginxConfig } from '../../nginx/render.js';
import { type ProxyOptionsInput, resolveProxyOptions } from '../../proxy/options.js';
import type { ComponentResources, ProxyKind } from '../../topology/spec.js';
import { CONTAINER_PROXY } from '../container-proxy.js';
import { labelsOf, resourceRequirements, scrapeAnnotations } from './labels.js';

export interface KubeLoadBalancerArgs {
  kind: ProxyKind;
  image: string;
  /** The shared renderers' input (topology/proxy-input.ts) with the replicas' pod DNS names. */
  options: ProxyOptionsInput;
  prefix: string;
  /** Port of the public Service (the stack's httpPort). */
  httpPort: number;
  /** Port of the cluster-internal stats/metrics Service (the stack's statsPort). */
  statsPort: number;
  /** The cluster DNS Service (`ip:port`) HAProxy re-resolves the replicas' names through. */
  clusterDns: string;
  resources?: ComponentResources;
}

/** Annotation with the rendered config's hash: a changed config rolls the proxy pods. */
export const CONFIG_HASH_ANNOTATION = 'wslab.dev/proxy-config-sha256';

/**
 * HAProxy or Nginx on Kubernetes, the counterpart of infra/components/load-balancer.ts: the config
 * from the shared renderer in a ConfigMap, a Deployment that mounts it (rolled by the hash
 * annotation when the config changes, e.g. on a new replica count), a LoadBalancer Service with
 * `externalTrafficPolicy: Local` (so per-address limits and source stickiness see client
 * addresses), and a ClusterIP Service for stats and metrics (never public).
 *
 * HAProxy re-resolves each replica's pod name through cluster DNS (`resolvers`), so a rescheduled
 * replica's new IP is followed without a reload. Nginx (OSS 1.26, no upstream `resolve` before
 * 1.27.3) resolves the names when it starts: it is rolled on every change of the replica set the
 * stack declares; a replica pod rescheduled with a new IP is skipped by the passive check until
 * the next roll (infra/README.md lists this).
 */
export class KubeLoadBalancer extends pulumi.ComponentResource {
  public readonly config: string;
  public readonly configMap: k8s.core.v1.ConfigMap;
  public readonly deployment: k8s.apps.v1.Deployment;
  public readonly service: k8s.core.v1.Service;
  public readonly statsService: k8s.core.v1.Service;

  constructor(name: string, args: KubeLoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('wslab:kubernetes:LoadBalancer', name, {}, opts);
    const base = `${args.prefix}-${args.kind}`;
    const labels = labelsOf(args.prefix, 'proxy');
    const options: ProxyOptionsInput =
      args.kind === 'haproxy' ? { ...args.options, dnsResolver: args.clusterDns } : args.options;
    const resolved = resolveProxyOptions(options);
    this.config = args.kind === 'haproxy' ? renderHaproxyConfig(options) : renderNginxConfig(options);
    const configPath = CONTAINER_PROXY[args.kind].configPath;
    const fileName = configPath.slice(configPath.lastIndexOf('/') + 1);
    this.configMap = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      { metadata: { name: `${base}-config`, labels }, data: { [fileName]: this.config } },
      { parent: this },
    );
    const hash = createHash('sha256').update(this.config).digest('hex');
    this.deployment = new k8s.apps.v1.Deployment(
      `${name}-proxy`,
      {
        metadata: { name: base, labels },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          // A new pod is ready before the old one is stopped; the old one's tunnels close then
          // and their clients reconnect (the replicas keep their rooms' history).
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
          template: {
            metadata: {
              labels,
              annotations: {
                [CONFIG_HASH_ANNOTATION]: hash,
                // Nginx OSS exposes stub_status only; HAProxy's exporter serves /metrics.
                ...(args.kind === 'haproxy' ? scrapeAnnotations(resolved.stats.port) : {}),
              },
            },
            spec: {
              containers: [
                {
                  name: args.kind,
                  image: args.image,
                  command:
                    args.kind === 'haproxy' ? ['haproxy', '-f', configPath] : ['nginx', '-c', configPath],
                  ports: [
                    { name: 'http', containerPort: resolved.listen.port },
                    { name: 'stats', containerPort: resolved.stats.port },
                  ],
                  readinessProbe: { tcpSocket: { port: resolved.listen.port }, periodSeconds: 5 },
                  livenessProbe: { tcpSocket: { port: resolved.listen.port }, periodSeconds: 10 },
                  resources: resourceRequirements(args.resources),
                  volumeMounts: [
                    { name: 'config', mountPath: configPath, subPath: fileName, readOnly: true },
                  ],
                },
              ],
              volumes: [{ name: 'config', configMap: { name: this.configMap.metadata.name } }],
            },
          },
        },
      },
      { parent: this, dependsOn: opts?.dependsOn },
    );
    this.service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: { name: base, labels },
        spec: {
          type: 'LoadBalancer',
          externalTrafficPolicy: 'Local',
          selector: labels,
          ports: [{ name: 'http', port: args.httpPort, targetPort: resolved.listen.port }],
        },
      },
      { parent: this },
    );
    this.statsService = new k8s.core.v1.Service(
      `${name}-stats`,
      {
        metadata: { name: `${base}-stats`, labels },
        spec: {
          selector: labels,
          ports: [{ name: 'stats', port: args.statsPort, targetPort: resolved.stats.port }],
        },
      },
      { parent: this },
    );
    this.registerOutputs({ configHash: hash });
  }
}
