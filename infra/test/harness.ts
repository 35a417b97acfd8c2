import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as pulumi from '@pulumi/pulumi';
import { parse as parseYaml } from 'yaml';

/** One resource registration seen by the mock monitor. */
export interface Registered {
  type: string;
  name: string;
  urn: string;
  /** Inputs as the provider would receive them (secrets unwrapped). */
  inputs: Record<string, unknown>;
  /** Inputs as sent over the wire: secrets still wrapped (see `plainStrings`). */
  wireInputs: Record<string, unknown>;
  /** URNs this resource waits for (explicit dependsOn plus implicit, from its inputs). */
  dependencies: string[];
  parent: string;
  /** Replacement order: true = delete the old resource before creating the new one. */
  deleteBeforeReplace: boolean;
}

export const TYPES = {
  container: 'docker:index/container:Container',
  network: 'docker:index/network:Network',
  remoteImage: 'docker:index/remoteImage:RemoteImage',
  image: 'docker:index/image:Image',
  password: 'random:index/randomPassword:RandomPassword',
  service: 'docker:index/service:Service',
  secret: 'docker:index/secret:Secret',
  serviceConfig: 'docker:index/serviceConfig:ServiceConfig',
} as const;

/** The Kubernetes objects the program declares with platform kubernetes (infra/kubernetes/). */
export const K8S_TYPES = {
  configMap: 'kubernetes:core/v1:ConfigMap',
  secret: 'kubernetes:core/v1:Secret',
  service: 'kubernetes:core/v1:Service',
  statefulSet: 'kubernetes:apps/v1:StatefulSet',
  deployment: 'kubernetes:apps/v1:Deployment',
  job: 'kubernetes:batch/v1:Job',
  disruptionBudget: 'kubernetes:policy/v1:PodDisruptionBudget',
} as const;

/** What the mocked RandomPassword returns: tests look for it in every plain output. */
export const MOCK_REDIS_PASSWORD = 'mock-redis-password-7f3a9c1e5b';
/** What the mocked RandomPassword of the token signing secret returns. */
export const MOCK_AUTH_JWT_SECRET = 'mock-auth-jwt-secret-0123456789abcdef0123456789ab';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The `config:` map of Pulumi.<stack>.yaml, as strings (as Pulumi hands them to the program). */
export function stackFileConfig(stack: string): Record<string, string> {
  const document = parseYaml(readFileSync(`${REPO_ROOT}Pulumi.${stack}.yaml`, 'utf8')) as {
    config: Record<string, unknown>;
  };
  return Object.fromEntries(Object.entries(document.config).map(([key, value]) => [key, String(value)]));
}

export interface ProgramRun {
  resources: Registered[];
  /** The program module's exports (the stack outputs). */
  outputs: Record<string, unknown>;
  byType(type: string): Registered[];
  byName(name: string): Registered;
}

/**
 * Runs infra/index.ts under Pulumi mocks with the given stack config (pulumi/examples
 * testing-unit-ts: mocks first, program import after) and records every registration,
 * including its dependency URNs (the mock API does not pass those to `newResource`, so
 * the monitor's registerResource is wrapped). Call once per test file: the runtime's
 * settings are process-global.
 */
export async function runProgram(
  stack: string,
  config: Record<string, string>,
  secretKeys: string[] = [],
): Promise<ProgramRun> {
  const resources: Registered[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        return { id: `${args.name}-id`, state: { ...args.inputs, ...mockOutputs(args.type, args.name) } };
      },
      call(args) {
        return args.inputs;
      },
    },
    'wslab',
    stack,
    false,
  );
  pulumi.runtime.setAllConfig(config, secretKeys);
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(
      request: RegisterRequest,
      callback: (error: unknown, response: unknown) => void,
    ): unknown;
    newUrn(parent: string, type: string, name: string): string;
  };
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) => {
    const type = request.getType();
    const name = request.getName();
    // Deserialized, secrets stay wrapped ({ <sig>: <secret sig>, value }).
    const wireInputs = pulumi.runtime.deserializeProperties(request.getObject() as never) as Record<
      string,
      unknown
    >;
    resources.push({
      type,
      name,
      urn: monitor.newUrn(request.getParent(), type, name),
      inputs: unwrapSecrets(wireInputs) as Record<string, unknown>,
      wireInputs,
      dependencies: request.getDependenciesList(),
      parent: request.getParent(),
      deleteBeforeReplace: request.getDeletebeforereplace(),
    });
    return original(request, callback);
  };

  const outputs = { ...((await import('../index.js')) as Record<string, unknown>) };
  // Every export resolves only after the resources behind it are registered.
  await Promise.all(
    Object.values(outputs).map((value) => (pulumi.Output.isInstance(value) ? outputValue(value) : value)),
  );
  // Components register their outputs after the stack outputs resolve: let every pending RPC
  // finish against this run's mock monitor, or it lands on the next run's (unknown resource).
  await pulumi.runtime.disconnect();
  return {
    resources,
    outputs,
    byType: (type) => resources.filter((resource) => resource.type === type),
    byName: (name) => {
      const found = resources.find((resource) => resource.name === name);
      if (found === undefined) throw new Error(`no resource named ${name}`);
      return found;
    },
  };
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getObject(): unknown;
  getDependenciesList(): string[];
  getDeletebeforereplace(): boolean;
}

function mockOutputs(type: string, name: string): Record<string, unknown> {
  switch (type) {
    case TYPES.image:
      return { repoDigest: `sha256:${name}-digest` };
    case TYPES.remoteImage:
      return { imageId: `sha256:${name}-image-id` };
    case TYPES.password:
      return { result: name === 'auth-jwt-secret' ? MOCK_AUTH_JWT_SECRET : MOCK_REDIS_PASSWORD };
    case TYPES.container:
      return { exitCode: 0 };
    default:
      return {};
  }
}

/** The value of an Output (mocks resolve everything; unknowns would never resolve). */
export function outputValue<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((value) => resolve(value)));
}

/** `KEY=value` strings of a container's envs as a map. */
export function envMap(container: Registered): Record<string, string> {
  const envs = (container.inputs.envs ?? []) as string[];
  return Object.fromEntries(
    envs.map((entry) => {
      const at = entry.indexOf('=');
      return [entry.slice(0, at), entry.slice(at + 1)];
    }),
  );
}

// Pulumi's wire marker for a secret value: { [SIG_KEY]: SECRET_SIG, value }.
const SIG_KEY = '4dabf18193072939515e22adb298388d';
const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';

/** Every string in a wire value that is NOT inside a secret wrapper (where plain text would leak). */
export function plainStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(plainStrings);
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (isSecretWrapper(record)) return [];
    return Object.values(record).flatMap(plainStrings);
  }
  return [];
}

function isSecretWrapper(value: unknown): value is { value: unknown } {
  return (
    value !== null && typeof value === 'object' && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG
  );
}

/** The value with every secret wrapper replaced by its content. */
export function unwrapSecrets(value: unknown): unknown {
  if (isSecretWrapper(value)) return unwrapSecrets(value.value);
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, unwrapSecrets(inner)]));
  }
  return value;
}
