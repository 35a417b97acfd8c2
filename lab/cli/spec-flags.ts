import { InvalidArgumentError, Option } from 'commander';
import { type FieldInfo, parseTextValues, SPEC_FIELDS } from '../../topology/fields.js';
import {
  resolveTopologySpec,
  type TopologySpec,
  type TopologySpecInput,
  type TopologySpecKey,
} from '../../topology/spec.js';

/**
 * `wslab up` flags, one per spec key the lab reads, generated from the spec's schema: the
 * range and default a flag shows are the schema's, and a bad value fails with its expectation.
 * Docker-only keys (published ports, images) have no flag.
 */

/** Flag names kept from before the spec, where they differ from the kebab-cased key. */
const FLAG_NAMES: Partial<Record<TopologySpecKey, string>> = {
  redisMode: 'redis',
  proxyConnectTimeoutMs: 'connect-timeout-ms',
  proxyClientTimeoutMs: 'client-timeout-ms',
  proxyServerTimeoutMs: 'server-timeout-ms',
  proxyTunnelTimeoutMs: 'tunnel-timeout-ms',
};

const kebab = (key: string) => key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

export function flagName(key: TopologySpecKey): string {
  return `--${FLAG_NAMES[key] ?? kebab(key)}`;
}

/** The spec keys `wslab up` has a flag for. */
export const FLAG_FIELDS: readonly FieldInfo[] = SPEC_FIELDS.filter((field) => field.meta.scope !== 'docker');

function placeholder(field: FieldInfo): string {
  if (field.kind === 'integer' || field.kind === 'number') return '<n>';
  if (field.kind === 'switch') return '<on|off>';
  return `<${field.key === 'redisMode' ? 'mode' : 'value'}>`;
}

function describe(field: FieldInfo): string {
  const fallback =
    field.defaultValue === undefined
      ? 'unset'
      : typeof field.defaultValue === 'boolean'
        ? field.defaultValue
          ? 'on'
          : 'off'
        : String(field.defaultValue);
  return `${field.meta.description}; ${field.expectation} (default ${fallback})`;
}

/** One commander option per flag field; no commander default (the spec holds the one default). */
export function specOptions(): Option[] {
  return FLAG_FIELDS.map((field) =>
    new Option(`${flagName(field.key)} ${placeholder(field)}`, describe(field)).argParser((text: string) => {
      const parsed = parseTextValues({ [field.key]: text }, () => flagName(field.key));
      if (parsed.problems.length > 0) throw new InvalidArgumentError(parsed.problems[0]!);
      return parsed.values[field.key];
    }),
  );
}

/** The attribute commander stores a flag under (`--redis` → `redis`, `--ping-interval-ms` → `pingIntervalMs`). */
function attributeOf(key: TopologySpecKey): string {
  return flagName(key)
    .slice(2)
    .replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** The spec values of the flags that were given (commander's parsed options). */
export function specInputFromFlags(flags: Record<string, unknown>): TopologySpecInput {
  const input: Record<string, unknown> = {};
  for (const field of FLAG_FIELDS) {
    const value = flags[attributeOf(field.key)];
    if (value !== undefined) input[field.key] = value;
  }
  return input as TopologySpecInput;
}

/**
 * The spec `up` starts: defaults, then the stack file (`--stack`), then the flags given on the
 * command line, which win over both.
 */
export function specFromFlags(flags: Record<string, unknown>, stack?: TopologySpec): TopologySpec {
  return resolveTopologySpec({ ...stack, ...specInputFromFlags(flags) });
}
