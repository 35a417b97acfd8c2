import * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';
import type { ProxyBackend } from '../../proxy/options.js';
import type { ComponentResources } from '../../topology/spec.js';
import { containerLimits } from '../container-limits.js';

export interface WsServiceArgs {
  /** Number of replicas (containers) of the service. */
  replicas: number;
  /** Build context (the repository root) relative to the program's working directory. */
  buildContext: string;
  /** Path of app/Dockerfile relative to the program's working directory. */
  dockerfile: string;
  /** Name (repository:tag) of the locally built image. */
  imageName: string;
  /** Base image build argument of app/Dockerfile (NODE_IMAGE). */
  nodeImage: string;
  networkName: pulumi.Input<string>;
  /** Container names are `${containerPrefix}-app-<i>` (1-based); they are the proxy's backend hosts. */
  containerPrefix: string;
  /**
   * The service environment of one replica (topology/replica-env.ts, given the backend's host and
   * SERVICE_PORT); may hold secrets.
   */
  envOf: (backend: ProxyBackend) => Record<string, pulumi.Input<string>>;
  /** CPU and memory caps of each replica container; unset = uncapped. */
  resources?: ComponentResources;
  /** The service's DRAIN_WINDOW_MS: Docker waits this long plus a margin before SIGKILL. */
  drainWindowMs: number;
}

/** Port the service listens on inside its container. */
export const SERVICE_PORT = 8080;
/** Time on top of the drain window for the last closes and process exit before Docker kills. */
export const STOP_MARGIN_S = 5;

/** Liveness probe without curl (not in slim images): Node's fetch against /healthz. */
export const HEALTHCHECK_COMMAND = [
  'CMD',
  'node',
  '-e',
  `fetch('http://127.0.0.1:${SERVICE_PORT}/healthz',{signal:AbortSignal.timeout(2000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`,
];

/**
 * When Docker probes and how long it waits, as in app/Dockerfile's HEALTHCHECK (a test keeps the two
 * equal). The start period is generous because failures inside it do not count while a success
 * ends it at once: on a loaded host `node` itself can take tens of seconds to start, and a replica
 * marked unhealthy before it ever listened fails the whole `pulumi up`.
 */
export const HEALTHCHECK_TIMING = { interval: '5s', timeout: '5s', startPeriod: '60s', retries: 3 } as const;

/** The service image, built from app/Dockerfile on the engine Pulumi talks to (never pushed). */
export function appImage(
  name: string,
  args: Pick<WsServiceArgs, 'imageName' | 'buildContext' | 'dockerfile' | 'nodeImage'>,
  opts: pulumi.CustomResourceOptions,
): docker.Image {
  return new docker.Image(
    name,
    {
      imageName: args.imageName,
      build: {
        context: args.buildContext,
        dockerfile: args.dockerfile,
        args: { NODE_IMAGE: args.nodeImage },
      },
      // Built and used on this Docker host only (a Swarm's other nodes need it loaded: infra/README.md).
      skipPush: true,
    },
    opts,
  );
}

/**
 * N replicas of the WebSocket service, built from app/Dockerfile. Pass Redis in
 * `opts.dependsOn` so the replicas start after it is ready.
 */
export class WsService extends pulumi.ComponentResource {
  public readonly image: docker.Image;
  public readonly containers: docker.Container[];
  /** The replicas as proxy backends (id, container hostname, port), in replica order. */
  public readonly backends: ProxyBackend[];
  /** Seconds Docker waits after SIGTERM before SIGKILL (> drain window). */
  public readonly stopTimeoutS: number;

  constructor(name: string, args: WsServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super('wslab:infra:WsService', name, {}, opts);
    if (!Number.isInteger(args.replicas) || args.replicas < 1) {
      throw new Error(`WsService ${name}: replicas must be an integer >= 1, got ${args.replicas}`);
    }
    this.image = appImage(`${name}-image`, args, { parent: this });
    this.stopTimeoutS = Math.ceil(args.drainWindowMs / 1000) + STOP_MARGIN_S;
    this.backends = Array.from({ length: args.replicas }, (_, index) => ({
      id: `app-${index + 1}`,
      host: `${args.containerPrefix}-app-${index + 1}`,
      port: SERVICE_PORT,
    }));
    this.containers = this.backends.map((backend) => {
      const envs = Object.entries(args.envOf(backend)).map(
        ([key, value]) => pulumi.interpolate`${key}=${value}`,
      );
      return new docker.Container(
        `${name}-${backend.id}`,
        {
          name: backend.host,
          hostname: backend.host,
          // The image ID (repoDigest of a local build): a rebuilt image replaces the containers.
          image: this.image.repoDigest,
          envs,
          ...containerLimits(args.resources),
          healthcheck: {
            tests: HEALTHCHECK_COMMAND,
            ...HEALTHCHECK_TIMING,
          },
          // Created = healthy, so the proxy (which depends on the replicas) starts with live backends.
          wait: true,
          waitTimeout: 90,
          // tini as PID 1 forwards SIGTERM to node, which drains (1012 closes in batches) and exits.
          init: true,
          stopSignal: 'SIGTERM',
          stopTimeout: this.stopTimeoutS,
          destroyGraceSeconds: this.stopTimeoutS,
          restart: 'unless-stopped',
          networksAdvanced: [{ name: args.networkName, aliases: [backend.host] }],
          // No published port: clients reach the replicas through the proxy only.
        },
        // The component's dependsOn (Redis) is forwarded to each replica container. Docker names
        // are unique: a replacement (new image, new env) removes the old container first.
        { parent: this, dependsOn: opts?.dependsOn, deleteBeforeReplace: true },
      );
    });

    this.registerOutputs({ backends: this.backends, imageName: this.image.imageName });
  }
}
