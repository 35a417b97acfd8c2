import * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';
import { renderHaproxyConfig } from '../../haproxy/render.js';
import { renderNginxConfig } from '../../nginx/render.js';
import { type ProxyOptionsInput, resolveProxyOptions } from '../../proxy/options.js';
import type { ComponentResources, ProxyKind } from '../../topology/spec.js';
import { DOCKER_DNS } from '../components/load-balancer.js';
import { CONTAINER_PROXY } from '../container-proxy.js';
import { serviceLimits } from './service-limits.js';
import { swarmConfig } from './swarm-secret.js';

/**
 * Slots of HAProxy's server-template: the spec's most replicas (32), so scaling never needs a
 * new config, and HAProxy routes to a new task as soon as the embedded DNS lists it.
 */
export const SERVER_TEMPLATE_SLOTS = 32;
/** Label of the Nginx service: the app service's spec version it resolved `tasks.<app>` for. */
export const APP_VERSION_LABEL = 'wslab.app-spec';

export interface SwarmProxyArgs {
  kind: ProxyKind;
  serviceName: string;
  image: pulumi.Input<string>;
  /** The shared renderer's input; its one backend's host is `tasks.<app service>`. */
  options: ProxyOptionsInput;
  networkId: pulumi.Input<string>;
  httpPort: number;
  /** Host port of the internal listener (/metrics, /api/*, /admin/*); unset: not published. */
  statsPort?: number;
  resources?: ComponentResources;
  /**
   * Anything that changes when the app service's task set is replaced (its spec: image, env,
   * replicas). Nginx OSS resolves `tasks.<app>` once, at start: a changed value rolls the Nginx
   * service, which resolves again. HAProxy re-resolves on its own and ignores it.
   */
  appSpecVersion: pulumi.Input<string>;
}

/**
 * HAProxy or Nginx as a one-task service on the manager, its rendered config as a Swarm config,
 * ports published in `host` mode on that node (the routing mesh needs IPVS, which the lab
 * kernel lacks; infra/README.md).
 */
export class SwarmProxy extends pulumi.ComponentResource {
  public readonly service: docker.Service;
  public readonly config: string;

  constructor(name: string, args: SwarmProxyArgs, opts?: pulumi.ComponentResourceOptions) {
    super('wslab:infra:SwarmProxy', name, {}, opts);
    const options: ProxyOptionsInput =
      args.kind === 'haproxy'
        ? { ...args.options, dnsResolver: DOCKER_DNS, serverTemplateSlots: SERVER_TEMPLATE_SLOTS }
        : args.options;
    const resolved = resolveProxyOptions(options);
    this.config = args.kind === 'haproxy' ? renderHaproxyConfig(options) : renderNginxConfig(options);
    const configPath = CONTAINER_PROXY[args.kind].configPath;
    const config = swarmConfig(`${name}-config`, `${args.serviceName}-config`, this.config, { parent: this });

    this.service = new docker.Service(
      `${name}-service`,
      {
        name: args.serviceName,
        mode: { replicated: { replicas: 1 } },
        taskSpec: {
          containerSpec: {
            image: args.image,
            commands: args.kind === 'haproxy' ? ['haproxy', '-f', configPath] : ['nginx', '-c', configPath],
            configs: [
              { configId: config.id, configName: config.name, fileName: configPath, fileMode: 0o644 },
            ],
            // A task label: a changed value rolls the task (a service label would not).
            labels:
              args.kind === 'nginx'
                ? [{ label: APP_VERSION_LABEL, value: pulumi.output(args.appSpecVersion) }]
                : [],
            healthcheck: {
              tests: ['CMD', 'bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${resolved.listen.port}`],
              interval: '5s',
              timeout: '2s',
              retries: 3,
              startPeriod: '2s',
            },
          },
          networksAdvanceds: [{ name: args.networkId }],
          placement: { constraints: ['node.role==manager'] },
          resources: serviceLimits(args.resources),
          restartPolicy: { condition: 'any', delay: '1s' },
        },
        // Host-mode ports: a second task on the node could not bind them, so stop first.
        updateConfig: { parallelism: 1, order: 'stop-first' },
        endpointSpec: {
          mode: 'dnsrr',
          ports: [
            {
              targetPort: resolved.listen.port,
              publishedPort: args.httpPort,
              publishMode: 'host',
              protocol: 'tcp',
            },
            ...(args.statsPort === undefined
              ? []
              : [
                  {
                    targetPort: resolved.stats.port,
                    publishedPort: args.statsPort,
                    publishMode: 'host',
                    protocol: 'tcp',
                  },
                ]),
          ],
        },
        convergeConfig: { delay: '2s', timeout: '3m' },
      },
      { parent: this, dependsOn: opts?.dependsOn, deleteBeforeReplace: true },
    );
    this.registerOutputs({ serviceName: args.serviceName });
  }
}
