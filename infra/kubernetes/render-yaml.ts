/**
 * `wslab render kubernetes --stack NAME`: the Kubernetes objects of a stack as plain YAML, for users
 * who `kubectl apply` instead of running Pulumi. The program (infra/index.ts) runs under Pulumi's
 * mock runtime — the very objects `pulumi up` would create — with the generated secrets
 * (`@pulumi/random`) drawn here from the OS's random source. The output holds those secrets in its
 * Secrets: keep the file as private as a kubeconfig.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as pulumi from '@pulumi/pulumi';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { CONFIG_NAMESPACE, readStackFile, stackFilePath } from '../../topology/stack-config.js';

const RANDOM_PASSWORD = 'random:index/randomPassword:RandomPassword';
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random alphanumeric text of `length` characters (what RandomPassword with special: false gives). */
function randomText(length: number): string {
  // 62 symbols: drop bytes ≥ 248 so every symbol is equally likely.
  let text = '';
  while (text.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && text.length < length) text += ALPHANUMERIC[byte % 62];
    }
  }
  return text;
}

/** A registered input with Pulumi's secret wrappers (`{ <sig>: <secret sig>, value }`) replaced by their values. */
function withSecretsRevealed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withSecretsRevealed);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  if (record[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) {
    return withSecretsRevealed(record.value);
  }
  return Object.fromEntries(Object.entries(record).map(([key, inner]) => [key, withSecretsRevealed(inner)]));
}

/** The stack file's `config:` map as strings, as Pulumi hands it to the program. */
function stackConfigOf(projectDir: string, stack: string): Record<string, string> {
  const path = stackFilePath(projectDir, stack);
  const parsed = readStackFile(path);
  if (parsed.platform !== 'kubernetes') {
    throw new Error(
      `stack ${stack} has ${CONFIG_NAMESPACE}:platform ${parsed.platform}; set it to kubernetes`,
    );
  }
  const document = parseYaml(readFileSync(path, 'utf8')) as { config: Record<string, unknown> };
  return Object.fromEntries(Object.entries(document.config).map(([key, value]) => [key, String(value)]));
}

/** Every Kubernetes object the program declares for a stack, in declaration order, as YAML documents. */
export async function renderKubernetesYaml(projectDir: string, stack: string): Promise<string> {
  const config = stackConfigOf(projectDir, stack);
  const objects: unknown[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        if (args.type === RANDOM_PASSWORD) {
          return { id: args.name, state: { ...args.inputs, result: randomText(Number(args.inputs.length)) } };
        }
        if (args.type.startsWith('kubernetes:')) {
          // apiVersion, kind and metadata first, as people write manifests
          const { apiVersion, kind, metadata, ...rest } = withSecretsRevealed(args.inputs) as Record<
            string,
            unknown
          >;
          objects.push({ apiVersion, kind, metadata, ...rest });
        }
        return { id: args.name, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    CONFIG_NAMESPACE,
    stack,
    false,
  );
  pulumi.runtime.setAllConfig(config);
  const outputs = (await import('../index.js')) as Record<string, unknown>;
  await Promise.all(
    Object.values(outputs).map((value) =>
      pulumi.Output.isInstance(value) ? new Promise((resolve) => value.apply(resolve)) : value,
    ),
  );
  await pulumi.runtime.disconnect();
  return objects.map((object) => toYaml(object, { lineWidth: 0 })).join('---\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--stack');
  const stack = at < 0 ? undefined : process.argv[at + 1];
  if (stack === undefined) {
    process.stderr.write('usage: render-yaml.ts --stack NAME\n');
    process.exit(2);
  }
  renderKubernetesYaml(process.cwd(), stack).then(
    (yaml) => process.stdout.write(yaml),
    (error: Error) => {
      process.stderr.write(`wslab render kubernetes: ${error.message}\n`);
      process.exit(1);
    },
  );
}
