import * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';
import type { ComponentResources } from '../../topology/spec.js';
import {
  HEALTHCHECK_COMMAND,
  HEALTHCHECK_TIMING,
  SERVICE_PORT,
  STOP_MARGIN_S,
} from '../components/ws-service.js';
import { withSecretEnv } from './secret-env.js';
import { serviceLimits } from './service-limits.js';

/** The app image's command (app/Dockerfile CMD), run inside the secrets wrapper. */
export const APP_COMMAND = ['node', '--enable-source-maps', 'app/src/main.js'] as const;
/** Pause between two replicas of a rolling update, after the new one is healthy. */
export const UPDATE_DELAY = '5s';
/** How long Swarm watches a new task for failure before it counts as updated. */
export const UPDATE_MONITOR = '10s';

export interface SwarmAppServiceArgs {
  serviceName: string;
  replicas: number;
  /** Image reference present on every node (the lab loads it into each host's engine). */
  image: pulumi.Input<string>;
  networkId: pulumi.Input<string>;
  /** Plain environment (Swarm templates allowed: `{{.Task.Slot}}`). */
  env: Record<string, pulumi.Input<string>>;
  /** Env var name → Swarm secret: mounted as /run/secrets/<NAME>, exported by the wrapper. */
  secrets: Record<string, docker.Secret>;
  drainWindowMs: number;
  resources?: ComponentResources;
}

/**
 * The WebSocket service as one Swarm service: N tasks spread over the nodes, a rolling update
 * that starts each new task (healthy) before stopping an old one, and a stop grace period above
 * the drain window, so a stopped task closes its clients with 1012 before Swarm kills it.
 * `endpoint_mode: dnsrr`: no virtual IP (no IPVS on the lab kernel); `tasks.<name>` lists every
 * task, which is what the proxy resolves.
 */
export class SwarmAppService extends pulumi.ComponentResource {
  public readonly service: docker.Service;
  /** The DNS name listing every task of the service (HAProxy's server-template, Nginx's upstream). */
  public readonly tasksName: string;
  public readonly stopGracePeriodS: number;

  constructor(name: string, args: SwarmAppServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super('wslab:infra:SwarmAppService', name, {}, opts);
    if (!Number.isInteger(args.replicas) || args.replicas < 1) {
      throw new Error(`SwarmAppService ${name}: replicas must be an integer >= 1, got ${args.replicas}`);
    }
    this.stopGracePeriodS = Math.ceil(args.drainWindowMs / 1000) + STOP_MARGIN_S;
    this.tasksName = `tasks.${args.serviceName}`;
    this.service = new docker.Service(
      `${name}-service`,
      {
        name: args.serviceName,
        mode: { replicated: { replicas: args.replicas } },
        taskSpec: {
          containerSpec: {
            image: args.image,
            commands: withSecretEnv(APP_COMMAND),
            env: args.env,
            secrets: Object.entries(args.secrets).map(([envName, secret]) => ({
              secretId: secret.id,
              secretName: secret.name,
              fileName: envName,
              // Readable by the image's `node` user only.
              fileUid: '1000',
              fileGid: '1000',
              fileMode: 0o400,
            })),
            healthcheck: { tests: HEALTHCHECK_COMMAND, ...HEALTHCHECK_TIMING },
            init: true,
            stopSignal: 'SIGTERM',
            stopGracePeriod: `${this.stopGracePeriodS}s`,
          },
          networksAdvanceds: [{ name: args.networkId }],
          placement: { prefs: ['spread=node.id'] },
          resources: serviceLimits(args.resources),
          restartPolicy: { condition: 'any', delay: '2s' },
        },
        updateConfig: {
          parallelism: 1,
          order: 'start-first',
          delay: UPDATE_DELAY,
          monitor: UPDATE_MONITOR,
          failureAction: 'rollback',
        },
        rollbackConfig: { parallelism: 1, order: 'start-first', delay: UPDATE_DELAY },
        // No published port: clients reach the tasks through the proxy only.
        endpointSpec: { mode: 'dnsrr' },
        // `pulumi up` returns once every task runs the new spec (or fails after the timeout).
        convergeConfig: { delay: '2s', timeout: '5m' },
      },
      // Service names are unique in a Swarm: a replacement (a rename) removes the old one first;
      // every other change is an in-place rolling update.
      { parent: this, dependsOn: opts?.dependsOn, deleteBeforeReplace: true },
    );
    this.registerOutputs({ serviceName: args.serviceName, tasksName: this.tasksName });
  }
}

export { SERVICE_PORT };
