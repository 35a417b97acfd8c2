import type Docker from 'dockerode';

/**
 * Translation of the Pulumi Docker provider's inputs (as the program declares them) into Docker
 * Engine API bodies. Every field the program may set is either translated here or listed as
 * handled elsewhere; any other field throws, so nothing the program asks for is dropped silently.
 */

/** Fields of `docker.Container` this translation knows (translated, or acted on by the provider). */
const CONTAINER_FIELDS = new Set([
  'name',
  'hostname',
  'image',
  'command',
  'envs',
  'uploads',
  'healthcheck',
  'wait',
  'waitTimeout',
  'restart',
  'networksAdvanced',
  'ports',
  'attach',
  'logs',
  'mustRun',
  'rm',
  'init',
  'stopSignal',
  'stopTimeout',
  'destroyGraceSeconds',
  'ulimits',
  'labels',
  'memory',
  'memorySwap',
  'cpus',
  'cpuShares',
  'cpuSet',
  'cpuPeriod',
  'cpuQuota',
]);
const NETWORK_FIELDS = new Set(['name', 'driver', 'ipamConfigs']);
// buildOnPreview: the provider's default input; a preview-only switch, no effect on `up`.
const IMAGE_FIELDS = new Set(['imageName', 'build', 'skipPush', 'buildOnPreview']);
const REMOTE_IMAGE_FIELDS = new Set(['name', 'keepLocally']);
const PASSWORD_FIELDS = new Set(['length', 'special']);

export const KNOWN_FIELDS: Record<string, Set<string>> = {
  'docker:index/container:Container': CONTAINER_FIELDS,
  'docker:index/network:Network': NETWORK_FIELDS,
  'docker:index/image:Image': IMAGE_FIELDS,
  'docker:index/remoteImage:RemoteImage': REMOTE_IMAGE_FIELDS,
  'random:index/randomPassword:RandomPassword': PASSWORD_FIELDS,
};

/** Throws when `inputs` sets a field the translation of `type` does not know (or the type itself). */
export function checkKnownFields(type: string, name: string, inputs: Record<string, unknown>): void {
  const known = KNOWN_FIELDS[type];
  if (known === undefined)
    throw new Error(`real-engine translation: unknown resource type ${type} (${name})`);
  const unknown = Object.keys(inputs).filter((key) => !known.has(key) && inputs[key] !== undefined);
  if (unknown.length > 0) {
    throw new Error(
      `real-engine translation: ${type} ${name} sets ${unknown.join(', ')}, which the translation does not know; ` +
        'translate it in infra/test/docker/translate.ts',
    );
  }
}

export interface ContainerInputs {
  name: string;
  hostname?: string;
  image: string;
  command?: string[];
  envs?: string[];
  uploads?: { file: string; content: string; permissions?: string }[];
  healthcheck?: {
    tests: string[];
    interval?: string;
    timeout?: string;
    retries?: number;
    startPeriod?: string;
  };
  wait?: boolean;
  waitTimeout?: number;
  restart?: string;
  networksAdvanced?: { name: string; aliases?: string[]; ipv4Address?: string }[];
  ports?: { internal: number; external?: number; ip?: string; protocol?: string }[];
  attach?: boolean;
  logs?: boolean;
  mustRun?: boolean;
  rm?: boolean;
  init?: boolean;
  stopSignal?: string;
  stopTimeout?: number;
  destroyGraceSeconds?: number;
  ulimits?: { name: string; soft: number; hard: number }[];
  labels?: { label: string; value: string }[];
  /** Megabytes, as the provider takes them. */
  memory?: number;
  memorySwap?: number;
  /** Fractional CPUs, e.g. "0.5". */
  cpus?: string;
  cpuShares?: number;
  cpuSet?: string;
  cpuPeriod?: number;
  cpuQuota?: number;
}

const MB = 1024 * 1024;

/** Go duration literal ("5s", "500ms", "1m") → nanoseconds, as the Engine API wants. */
export function durationNs(literal: string | undefined): number | undefined {
  if (literal === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(literal);
  if (match === null)
    throw new Error(`real-engine translation: duration "${literal}" is not a number with ms|s|m|h`);
  const factor = { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(match[1]) * factor);
}

/** The create body of a container (uploads, waiting and attaching are the provider's steps). */
export function containerCreateOptions(inputs: ContainerInputs): Docker.ContainerCreateOptions {
  const networks = inputs.networksAdvanced ?? [];
  if (networks.length > 1) {
    throw new Error(
      `real-engine translation: ${inputs.name} joins ${networks.length} networks; only one is translated`,
    );
  }
  const network = networks[0];
  const portBindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  const exposed: Record<string, object> = {};
  for (const port of inputs.ports ?? []) {
    const key = `${port.internal}/${port.protocol ?? 'tcp'}`;
    exposed[key] = {};
    portBindings[key] = [
      { HostIp: port.ip ?? '0.0.0.0', HostPort: port.external === undefined ? '' : String(port.external) },
    ];
  }
  const health = inputs.healthcheck;
  return {
    name: inputs.name,
    Hostname: inputs.hostname,
    Image: inputs.image,
    Cmd: inputs.command,
    Env: inputs.envs,
    Labels: Object.fromEntries((inputs.labels ?? []).map((label) => [label.label, label.value])),
    StopSignal: inputs.stopSignal,
    StopTimeout: inputs.stopTimeout,
    ExposedPorts: exposed,
    Healthcheck:
      health === undefined
        ? undefined
        : {
            Test: health.tests,
            Interval: durationNs(health.interval),
            Timeout: durationNs(health.timeout),
            Retries: health.retries,
            StartPeriod: durationNs(health.startPeriod),
          },
    HostConfig: {
      Init: inputs.init,
      AutoRemove: inputs.rm ?? false,
      RestartPolicy: { Name: inputs.restart ?? 'no' },
      PortBindings: portBindings,
      Ulimits: (inputs.ulimits ?? []).map((limit) => ({
        Name: limit.name,
        Soft: limit.soft,
        Hard: limit.hard,
      })),
      NetworkMode: network?.name,
      Memory: inputs.memory === undefined ? undefined : inputs.memory * MB,
      MemorySwap: inputs.memorySwap === undefined ? undefined : inputs.memorySwap * MB,
      NanoCpus: inputs.cpus === undefined ? undefined : Math.round(Number(inputs.cpus) * 1e9),
      CpuShares: inputs.cpuShares,
      CpusetCpus: inputs.cpuSet,
      CpuPeriod: inputs.cpuPeriod,
      CpuQuota: inputs.cpuQuota,
    },
    NetworkingConfig:
      network === undefined
        ? undefined
        : {
            EndpointsConfig: {
              [network.name]: {
                Aliases: network.aliases,
                IPAMConfig:
                  network.ipv4Address === undefined ? undefined : { IPv4Address: network.ipv4Address },
              },
            },
          },
  };
}

export interface NetworkInputs {
  name: string;
  driver?: string;
  ipamConfigs?: { subnet?: string; gateway?: string; ipRange?: string }[];
}

export function networkCreateOptions(inputs: NetworkInputs): Docker.NetworkCreateOptions {
  return {
    Name: inputs.name,
    Driver: inputs.driver ?? 'bridge',
    CheckDuplicate: true,
    IPAM:
      inputs.ipamConfigs === undefined
        ? undefined
        : {
            Driver: 'default',
            Config: inputs.ipamConfigs.map((config) => ({
              Subnet: config.subnet,
              Gateway: config.gateway,
              IPRange: config.ipRange,
            })),
          },
  };
}
