import * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';
import { renderHaproxyConfig } from '../../haproxy/render.js';
import { renderNginxConfig } from '../../nginx/render.js';
import { type ProxyOptionsInput, resolveProxyOptions } from '../../proxy/options.js';
import type { ComponentResources, ProxyKind } from '../../topology/spec.js';
import { containerLimits } from '../container-limits.js';
import { CONTAINER_PROXY } from '../container-proxy.js';

export interface LoadBalancerArgs {
  kind: ProxyKind;
  /** Image reference (official `haproxy`/`nginx` images by default). */
  image: pulumi.Input<string>;
  /**
   * The shared renderer's input. Listen/stats ports and paths must be the container-side ones
   * (CONTAINER_PROXY); backends are the replicas' container hostnames.
   */
  options: ProxyOptionsInput;
  networkName: pulumi.Input<string>;
  containerName: string;
  /** Host port published for the WebSocket/HTTP listener. */
  httpHostPort: number;
  /**
   * Host port published for the internal listener (/metrics, stats, /api/*, /admin/*); unset: not
   * published, reachable only on the Docker network (Prometheus and operators' containers).
   */
  statsHostPort?: number;
  /** Host address both published ports bind to. */
  publishAddress: string;
  /** CPU and memory caps of the proxy container; unset = uncapped. */
  resources?: ComponentResources;
  /**
   * Docker ids of the replica containers behind the proxy. Nginx OSS 1.22 resolves upstream
   * names once, at start: the ids are a label of the Nginx container, so a changed set (any
   * replica replaced) replaces the proxy and it resolves the new addresses. HAProxy re-resolves
   * through Docker's DNS instead and is not replaced.
   */
  replicaContainerIds: pulumi.Input<string>[];
}

/** Docker's embedded DNS server on user-defined networks. */
export const DOCKER_DNS = '127.0.0.11:53';
/** Label of the Nginx container holding the replica container ids it was started with. */
export const REPLICA_IDS_LABEL = 'wslab.replica-container-ids';

/**
 * HAProxy or Nginx in front of the replicas. Its config is the shared renderer's output for
 * `args.options` (the config the repository tests against the real binaries), uploaded into
 * the container. Pass the replicas in `opts.dependsOn` so the proxy starts after them.
 */
export class LoadBalancer extends pulumi.ComponentResource {
  public readonly container: docker.Container;
  /** The rendered config, exactly as uploaded. */
  public readonly config: string;
  /** Path of the config inside the container. */
  public readonly configPath: string;
  /** Container-side ports, for the published-port mapping. */
  public readonly listenPort: number;
  public readonly statsPort: number;

  constructor(name: string, args: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('wslab:infra:LoadBalancer', name, {}, opts);
    // Only HAProxy renders the resolver (Nginx OSS 1.22 cannot re-resolve upstream servers).
    const options: ProxyOptionsInput =
      args.kind === 'haproxy' ? { ...args.options, dnsResolver: DOCKER_DNS } : args.options;
    const resolved = resolveProxyOptions(options);
    this.listenPort = resolved.listen.port;
    this.statsPort = resolved.stats.port;
    this.config = args.kind === 'haproxy' ? renderHaproxyConfig(options) : renderNginxConfig(options);
    this.configPath = CONTAINER_PROXY[args.kind].configPath;
    const image = new docker.RemoteImage(
      `${name}-image`,
      { name: args.image, keepLocally: true },
      { parent: this },
    );

    this.container = new docker.Container(
      `${name}-proxy`,
      {
        name: args.containerName,
        hostname: args.containerName,
        image: image.imageId,
        // HAProxy: the image's default command reads this very path (and runs as user haproxy).
        // Nginx: the rendered config already says `daemon off;`, so the image's default
        // `nginx -g 'daemon off;'` would fail on a duplicate directive; name the file instead.
        command:
          args.kind === 'haproxy' ? ['haproxy', '-f', this.configPath] : ['nginx', '-c', this.configPath],
        uploads: [{ file: this.configPath, content: this.config, permissions: '0644' }],
        ulimits: [{ name: 'nofile', soft: resolved.limits.fdLimit, hard: resolved.limits.fdLimit }],
        ...containerLimits(args.resources),
        ports: [
          { internal: this.listenPort, external: args.httpHostPort, ip: args.publishAddress },
          ...(args.statsHostPort === undefined
            ? []
            : [{ internal: this.statsPort, external: args.statsHostPort, ip: args.publishAddress }]),
        ],
        // Neither image ships curl; bash's /dev/tcp checks that the listener accepts connections.
        healthcheck: {
          tests: ['CMD', 'bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${this.listenPort}`],
          interval: '5s',
          timeout: '2s',
          retries: 3,
          startPeriod: '2s',
        },
        wait: true,
        waitTimeout: 60,
        restart: 'unless-stopped',
        networksAdvanced: [{ name: args.networkName, aliases: [args.containerName] }],
        labels:
          args.kind === 'nginx'
            ? [
                {
                  label: REPLICA_IDS_LABEL,
                  value: pulumi.all(args.replicaContainerIds).apply((ids) => ids.join(',')),
                },
              ]
            : [],
      },
      // The component's dependsOn (the replicas) is forwarded to the container itself, so the
      // proxy container is created only after every replica container is healthy. Docker names
      // are unique: a replacement must remove the old container before creating the new one.
      { parent: this, dependsOn: opts?.dependsOn, deleteBeforeReplace: true },
    );

    this.registerOutputs({ containerName: this.container.name, configPath: this.configPath });
  }
}
