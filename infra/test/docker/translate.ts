import { isDeepStrictEqual } from 'node:util';
import type Docker from 'dockerode';

/**
 * Translation of the Pulumi Docker provider's inputs (as the program declares them) into Docker
 * Engine API bodies. FIELDS is the one table of every input field, at any depth: translated into
 * the create body, acted on by the provider (a step: upload, wait, build…), or ignored with the
 * reason. Any other field, however deep, fails the run by its full path, so nothing the program
 * asks for is dropped silently.
 */

/** How the real-engine provider treats one input field. */
export type FieldRule =
  /** Translated into the Engine API create body (containerCreateOptions, networkCreateOptions). */
  | { kind: 'body' }
  /** Acted on by the provider itself (RealEngineProvider), as the Docker provider does. */
  | { kind: 'step'; how: string }
  /** Not applied; exact only while the value is `exactFor` (any value when unset). */
  | { kind: 'ignored'; why: string; exactFor?: unknown }
  /** A nested object, each field by its own rule. */
  | { kind: 'object'; fields: FieldTable }
  /** A list of objects, each item's fields by these rules. */
  | { kind: 'list'; fields: FieldTable };
export type FieldTable = Readonly<Record<string, FieldRule>>;

const body: FieldRule = { kind: 'body' };
const step = (how: string): FieldRule => ({ kind: 'step', how });
const ignored = (why: string, exactFor?: unknown): FieldRule => ({ kind: 'ignored', why, exactFor });
const object = (fields: FieldTable): FieldRule => ({ kind: 'object', fields });
const list = (fields: FieldTable): FieldRule => ({ kind: 'list', fields });

const CONTAINER_FIELDS: FieldTable = {
  name: body,
  hostname: body,
  image: body,
  command: body,
  envs: body,
  uploads: list({
    file: step('the path of a tar entry put into the container before start'),
    content: step("the tar entry's content"),
    permissions: step("the tar entry's mode"),
  }),
  healthcheck: object({ tests: body, interval: body, timeout: body, retries: body, startPeriod: body }),
  wait: step('create returns once the health check says healthy'),
  waitTimeout: step('how long create waits for healthy'),
  restart: body,
  networksAdvanced: list({ name: body, aliases: body, ipv4Address: body }),
  ports: list({ internal: body, external: body, ip: body, protocol: body }),
  attach: step('create waits for the exit code (output exitCode)'),
  logs: step('with attach: the output containerLogs'),
  mustRun: step('unless false: not running after create fails it, not running at refresh recreates it'),
  rm: body,
  init: body,
  stopSignal: body,
  stopTimeout: body,
  destroyGraceSeconds: step('the stop timeout when the container is deleted'),
  ulimits: list({ name: body, soft: body, hard: body }),
  labels: list({ label: body, value: body }),
  memory: body,
  memorySwap: body,
  cpus: body,
  cpuShares: body,
  cpuSet: body,
  cpuPeriod: body,
  cpuQuota: body,
};
const NETWORK_FIELDS: FieldTable = {
  name: body,
  driver: body,
  ipamConfigs: list({ subnet: body, gateway: body, ipRange: body }),
};
const IMAGE_FIELDS: FieldTable = {
  imageName: step('the tag of the local build'),
  build: object({
    context: step('the build context (its .dockerignore applied)'),
    dockerfile: step('the Dockerfile, relative to the context'),
    args: step('build args'),
  }),
  skipPush: ignored('nothing is pushed: no registry is reachable here', true),
  buildOnPreview: ignored("the provider's default input; it acts on `pulumi preview` only, never on `up`"),
};
const REMOTE_IMAGE_FIELDS: FieldTable = {
  name: step('must be in the engine already (tagged from the base image): no registry to pull from'),
  keepLocally: ignored('images are never removed: every reference is the one shared base image', true),
};
const PASSWORD_FIELDS: FieldTable = {
  length: step("the generated password's length"),
  special: step('whether it may contain special characters'),
};

/** Every resource type the program may declare, and every input field of each. */
export const FIELDS: Readonly<Record<string, FieldTable>> = {
  'docker:index/container:Container': CONTAINER_FIELDS,
  'docker:index/network:Network': NETWORK_FIELDS,
  'docker:index/image:Image': IMAGE_FIELDS,
  'docker:index/remoteImage:RemoteImage': REMOTE_IMAGE_FIELDS,
  'random:index/randomPassword:RandomPassword': PASSWORD_FIELDS,
};

/**
 * Throws when `inputs` sets a field that FIELDS does not list (by its full path, e.g.
 * `healthcheck.startInterval`, `uploads[0].source`), or an ignored field to a value for which
 * ignoring it would change the outcome, or when the type itself is unknown.
 */
export function checkKnownFields(type: string, name: string, inputs: Record<string, unknown>): void {
  const table = FIELDS[type];
  if (table === undefined)
    throw new Error(`real-engine translation: unknown resource type ${type} (${name})`);
  const unknown: string[] = [];
  const misfits: string[] = [];
  walk(table, inputs, '', unknown, misfits);
  if (unknown.length > 0) {
    throw new Error(
      `real-engine translation: ${type} ${name} sets ${unknown.join(', ')}, which the translation does not know; ` +
        'translate it in infra/test/docker/translate.ts (FIELDS)',
    );
  }
  if (misfits.length > 0)
    throw new Error(`real-engine translation: ${type} ${name} sets ${misfits.join('; ')}`);
}

function walk(
  table: FieldTable,
  value: Record<string, unknown>,
  prefix: string,
  unknown: string[],
  misfits: string[],
): void {
  for (const [key, inner] of Object.entries(value)) {
    if (inner === undefined) continue;
    const path = `${prefix}${key}`;
    const rule = table[key];
    if (rule === undefined) unknown.push(path);
    else if (rule.kind === 'object') {
      if (isRecord(inner)) walk(rule.fields, inner, `${path}.`, unknown, misfits);
      else misfits.push(`${path} to ${JSON.stringify(inner)}, not an object`);
    } else if (rule.kind === 'list') {
      if (!Array.isArray(inner)) misfits.push(`${path} to ${JSON.stringify(inner)}, not a list`);
      else
        inner.forEach((item: unknown, index) => {
          if (isRecord(item)) walk(rule.fields, item, `${path}[${index}].`, unknown, misfits);
          else misfits.push(`${path}[${index}] to ${JSON.stringify(item)}, not an object`);
        });
    } else if (
      rule.kind === 'ignored' &&
      rule.exactFor !== undefined &&
      !isDeepStrictEqual(inner, rule.exactFor)
    ) {
      misfits.push(
        `${path} to ${JSON.stringify(inner)}, which the real engine ignores (${rule.why}); only ${JSON.stringify(rule.exactFor)} is exact`,
      );
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Every leaf of a table with its path (list items as index 0), for tests that check each rule. */
export function leafRules(
  table: FieldTable,
  prefix: (string | number)[] = [],
): { path: (string | number)[]; rule: FieldRule }[] {
  return Object.entries(table).flatMap(([key, rule]) => {
    if (rule.kind === 'object') return leafRules(rule.fields, [...prefix, key]);
    if (rule.kind === 'list') return leafRules(rule.fields, [...prefix, key, 0]);
    return [{ path: [...prefix, key], rule }];
  });
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
      // Unset stays unset: the engine's defaults (no auto-remove, restart "no") are the provider's.
      AutoRemove: inputs.rm,
      RestartPolicy: inputs.restart === undefined ? undefined : { Name: inputs.restart },
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
    Driver: inputs.driver,
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
