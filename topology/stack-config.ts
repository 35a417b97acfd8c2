import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { parse as parseYaml } from 'yaml';

import { SERVICE_SECRET_MIN_LENGTH } from '../app/src/config.js';
import { specField, specFromText } from './fields.js';
import {
  DEPLOYED_REDIS_MODES,
  type DeployedRedisMode,
  PROXY_KINDS,
  type ProxyKind,
  STICKINESS_MODES,
  type Stickiness,
  TOPOLOGY_SPEC_KEYS,
  type TopologySpec,
  type TopologySpecKey,
} from './spec.js';

/**
 * A Pulumi stack's wslab configuration: the topology spec with the one proxy Pulumi deploys.
 *
 * Parsed from the `config:` map of `Pulumi.<stack>.yaml` (keys `wslab:<name>`), both by the
 * Pulumi program (infra/index.ts) and by the local lab (`wslab up --stack <name>`), so a stack
 * file means the same topology in Docker and as local processes. Secrets (`redisPassword`,
 * `publishApiKey`, `authJwtSecret`) are not part of it: only Pulumi can decrypt them.
 */
export type StackConfig = TopologySpec & { proxy: ProxyKind; redisMode: DeployedRedisMode };

export { PROXY_KINDS, type ProxyKind, STICKINESS_MODES, type Stickiness };

/** Pulumi project name, hence the config namespace (`wslab:<key>`). */
export const CONFIG_NAMESPACE = 'wslab';

/** Keys that hold secrets: read by the Pulumi program with getSecret, skipped by this parser. */
export const SECRET_KEYS = [
  'redisPassword',
  'publishApiKey',
  'authJwtSecret',
  'authJwtSecretPrevious',
] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/**
 * Shortest value the service accepts for each secret (app/src/config.ts): checked before
 * deploying, or a replica would crash-loop until the health wait times out.
 */
export const SECRET_MIN_LENGTH: Record<SecretKey, number> = {
  redisPassword: SERVICE_SECRET_MIN_LENGTH.REDIS_PASSWORD,
  publishApiKey: SERVICE_SECRET_MIN_LENGTH.PUBLISH_API_KEY,
  authJwtSecret: SERVICE_SECRET_MIN_LENGTH.AUTH_JWT_SECRET,
  authJwtSecretPrevious: SERVICE_SECRET_MIN_LENGTH.AUTH_JWT_SECRET_PREVIOUS,
};

/** Returns the secret when long enough; throws a StackConfigError that never includes the value. */
export function checkSecret(key: SecretKey, value: string, source?: string): string {
  const min = SECRET_MIN_LENGTH[key];
  if (value.length >= min) return value;
  const expectation =
    min === 1 ? 'must not be empty' : `must be at least ${min} characters, got ${value.length}`;
  throw new StackConfigError([`${CONFIG_NAMESPACE}:${key} ${expectation}`], source);
}

/**
 * What each proxy's renderer can do for stickiness. Both do all four today: Nginx OSS has no
 * `sticky cookie` (Nginx Plus only), so nginx/render.ts issues the cookie itself and hashes on
 * it. Kept per proxy so a mode only one renderer implements is rejected here, by name.
 */
export const PROXY_STICKINESS: Record<ProxyKind, readonly Stickiness[]> = {
  haproxy: STICKINESS_MODES,
  nginx: STICKINESS_MODES,
};

/** Thrown with one line per bad value (and the stack file when it came from one). */
export class StackConfigError extends Error {
  constructor(
    readonly problems: string[],
    source?: string,
  ) {
    super(`invalid stack config${source === undefined ? '' : ` in ${source}`}:\n  ${problems.join('\n  ')}`);
    this.name = 'StackConfigError';
  }
}

/** A raw value as it can appear in a stack file (`pulumi config set` writes strings). */
type RawValue = unknown;

/** Every non-secret key a stack file may set (without the `wslab:` prefix): the spec's, minus lab-only ones. */
export const STACK_CONFIG_KEYS = TOPOLOGY_SPEC_KEYS.filter((key) => specField(key).meta.scope !== 'lab');
export type StackConfigKey = TopologySpecKey;

export interface ResolveOptions {
  /** Where the values came from, for the error message (a file path, `stack <name>`). */
  source?: string;
  /** Every config key that is set (`wslab:…` and others), to reject misspelt `wslab:` keys. */
  presentKeys?: readonly string[];
}

const stackName = (key: string) => `${CONFIG_NAMESPACE}:${key}`;

/**
 * Resolves a stack configuration from un-prefixed keys (`proxy`, `replicas`, …) to raw values
 * (strings, as Pulumi returns them, or YAML numbers/booleans), checked against the topology
 * spec's schema. Throws a StackConfigError with one exact line per bad value.
 */
export function resolveStackConfig(
  values: Partial<Record<StackConfigKey, RawValue>>,
  options: ResolveOptions = {},
): StackConfig {
  const { source, presentKeys = [] } = options;
  const problems = unknownKeyProblems(presentKeys);
  const rawProxy = values.proxy;
  const proxyText = typeof rawProxy === 'string' ? rawProxy.trim() : rawProxy;
  // Pulumi deploys exactly one proxy: `both` and `none` are lab choices.
  const proxy = PROXY_KINDS.find((kind) => kind === proxyText);
  if (proxyText === undefined || proxyText === null || proxyText === '') {
    problems.push(`${stackName('proxy')} is required: one of ${PROXY_KINDS.join('|')}`);
  } else if (proxy === undefined) {
    problems.push(
      `${stackName('proxy')} must be one of ${PROXY_KINDS.join('|')}, got ${JSON.stringify(String(proxyText))}`,
    );
  }
  // Pulumi deploys Redis: `none` (the in-process bus) is a lab choice, so its range here is narrower.
  const redisModeText = typeof values.redisMode === 'string' ? values.redisMode.trim() : values.redisMode;
  const redisModeSet = redisModeText !== undefined && redisModeText !== null && redisModeText !== '';
  const deployedRedisMode = DEPLOYED_REDIS_MODES.find((mode) => mode === redisModeText);
  const redisModeProblems =
    redisModeSet && deployedRedisMode === undefined
      ? [
          `${stackName('redisMode')} must be one of ${DEPLOYED_REDIS_MODES.join('|')}, got ${JSON.stringify(String(redisModeText))}`,
        ]
      : [];
  const stackValues = Object.fromEntries(
    STACK_CONFIG_KEYS.filter((key) => key !== 'proxy' && key !== 'redisMode').map((key) => [
      key,
      values[key],
    ]),
  );
  const parsed = specFromText(
    {
      ...stackValues,
      ...(proxy === undefined ? {} : { proxy }),
      ...(deployedRedisMode === undefined ? {} : { redisMode: deployedRedisMode }),
    },
    stackName,
  );
  // Checked against what the chosen proxy can do, so one message names both the value and the proxy.
  const stickiness = typeof values.stickiness === 'string' ? values.stickiness.trim() : undefined;
  const fieldProblems = parsed.problems.map((problem) =>
    proxy !== undefined && stickiness !== undefined && problem.startsWith(`${stackName('stickiness')} must`)
      ? `${stackName('stickiness')} ${JSON.stringify(stickiness)} is not supported by ${proxy}; use one of ${PROXY_STICKINESS[proxy].join('|')}`
      : problem,
  );
  // the redisMode line goes where the schema's own check would have put it
  problems.push(
    ...(redisModeProblems.length > 0 ? inKeyOrder([...redisModeProblems, ...fieldProblems]) : fieldProblems),
  );
  const redisMode = DEPLOYED_REDIS_MODES.find((mode) => mode === parsed.spec?.redisMode);
  if (problems.length > 0 || parsed.spec === undefined || proxy === undefined || redisMode === undefined) {
    throw new StackConfigError(problems, source);
  }
  return { ...parsed.spec, proxy, redisMode };
}

/** Problems in schema key order (each line starts with `wslab:<key>`); lines of no key keep their place last. */
function inKeyOrder(problems: string[]): string[] {
  const position = (problem: string) => {
    const key = /^wslab:(\w+)/.exec(problem)?.[1];
    const index = TOPOLOGY_SPEC_KEYS.indexOf(key as TopologySpecKey);
    return index < 0 ? TOPOLOGY_SPEC_KEYS.length : index;
  };
  return problems
    .map((problem, order) => ({ problem, order, at: position(problem) }))
    .sort((a, b) => a.at - b.at || a.order - b.order)
    .map(({ problem }) => problem);
}

/**
 * Parses the `config:` map of a stack file (keys `wslab:<name>`). Keys of other namespaces
 * (`docker:host`, …) are ignored; an unknown `wslab:` key is an error (a typo would otherwise
 * silently fall back to a default); secrets (`{ secure: … }`) are skipped.
 */
export function parseConfigMap(config: Record<string, unknown>, source?: string): StackConfig {
  const values: Partial<Record<StackConfigKey, RawValue>> = {};
  const known = new Set<string>(STACK_CONFIG_KEYS);
  for (const [fullKey, value] of Object.entries(config)) {
    const key = ownKey(fullKey);
    if (key !== undefined && known.has(key)) values[key as StackConfigKey] = value;
  }
  return resolveStackConfig(values, { source, presentKeys: Object.keys(config) });
}

/** The key without the `wslab:` prefix, or undefined for another namespace (`docker:host`). */
function ownKey(fullKey: string): string | undefined {
  const [namespace, key] = fullKey.includes(':') ? fullKey.split(':', 2) : [CONFIG_NAMESPACE, fullKey];
  return namespace === CONFIG_NAMESPACE ? key : undefined;
}

/** One problem per `wslab:` key that is neither a known key nor a secret (a typo would silently fall back). */
export function unknownKeyProblems(fullKeys: readonly string[]): string[] {
  const allowed = new Set<string>([...STACK_CONFIG_KEYS, ...SECRET_KEYS]);
  return fullKeys
    .map(ownKey)
    .filter((key): key is string => key !== undefined && !allowed.has(key))
    .map((key) => `${CONFIG_NAMESPACE}:${key} is not a known key`);
}

/**
 * Reads `Pulumi.<stack>.yaml` (or any stack file path) and parses its `config:` map, without
 * the Pulumi runtime: this is what `wslab up --stack <name>` calls.
 */
export function readStackFile(path: string): StackConfig {
  if (!existsSync(path)) {
    const stacks = listStacks(dirname(path));
    throw new StackConfigError(
      [`no such stack file${stacks.length > 0 ? `; stacks here: ${stacks.join(', ')}` : ''}`],
      path,
    );
  }
  const document: unknown = parseYaml(readFileSync(path, 'utf8'));
  const config =
    document !== null && typeof document === 'object' && 'config' in document ? document.config : undefined;
  if (config === undefined || config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new StackConfigError(['the file has no `config:` map'], path);
  }
  return parseConfigMap(config as Record<string, unknown>, path);
}

/** Path of a named stack's file in a project directory (`Pulumi.<stack>.yaml`). */
export function stackFilePath(projectDir: string, stack: string): string {
  return `${projectDir.replace(/\/$/, '')}/Pulumi.${stack}.yaml`;
}

/** Names of the stacks that have a `Pulumi.<stack>.yaml` in a project directory, sorted. */
export function listStacks(projectDir: string): string[] {
  return readdirSync(projectDir)
    .map((file) => /^Pulumi\.(.+)\.ya?ml$/.exec(basename(file))?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();
}
