import type { z } from 'zod';
import {
  combinationProblems,
  type FieldMeta,
  type TopologySpec,
  type TopologySpecKey,
  topologySpecFields,
  topologySpecSchema,
} from './spec.js';

/**
 * Reads the topology spec's schema (kind, range, default, description of each key) so that
 * text sources — stack files, command-line flags — are checked against the schema itself, and
 * topology/README.md is generated from it. Nothing here repeats a default or a range.
 */

export type FieldKind = 'integer' | 'number' | 'enum' | 'switch' | 'text';

export interface FieldInfo {
  key: TopologySpecKey;
  kind: FieldKind;
  /** The default; undefined for optional keys (unset = off/uncapped/private). */
  defaultValue: unknown;
  min?: number;
  max?: number;
  values?: readonly string[];
  meta: FieldMeta;
  /** The field's schema without default/optional (checks one value). */
  check: z.ZodType;
  /** What a valid value looks like, as the error message says it ("must be …"). */
  expectation: string;
}

interface Wrapper {
  def: { type: string; innerType?: z.ZodType; defaultValue?: unknown };
  meta(): FieldMeta | undefined;
}

function fieldInfo(key: TopologySpecKey): FieldInfo {
  const outer = topologySpecFields.shape[key] as unknown as Wrapper;
  const meta = outer.meta() ?? { description: '' };
  const defaultValue = outer.def.type === 'default' ? outer.def.defaultValue : undefined;
  const check = (outer.def.innerType ?? outer) as z.ZodType;
  const inner = check as unknown as {
    def: { type: string };
    minValue?: number | null;
    maxValue?: number | null;
    isInt?: boolean;
    options?: readonly string[];
  };
  const base = { key, defaultValue, meta, check };
  switch (inner.def.type) {
    case 'number': {
      const min = inner.minValue ?? Number.NEGATIVE_INFINITY;
      const max = inner.maxValue ?? Number.POSITIVE_INFINITY;
      return inner.isInt
        ? { ...base, kind: 'integer', min, max, expectation: `an integer from ${min} to ${max}` }
        : { ...base, kind: 'number', min, max, expectation: `a number from ${min} to ${max}` };
    }
    case 'enum': {
      const values = inner.options ?? [];
      return { ...base, kind: 'enum', values, expectation: `one of ${values.join('|')}` };
    }
    case 'boolean':
      return { ...base, kind: 'switch', expectation: 'on or off' };
    default:
      return { ...base, kind: 'text', expectation: meta.expectation ?? 'text' };
  }
}

/** Every key of the spec, in schema order, with its kind, range and default. */
export const SPEC_FIELDS: readonly FieldInfo[] = (
  Object.keys(topologySpecFields.shape) as TopologySpecKey[]
).map(fieldInfo);

export function specField(key: TopologySpecKey): FieldInfo {
  const field = SPEC_FIELDS.find((candidate) => candidate.key === key);
  if (field === undefined) throw new Error(`no spec key ${key}`);
  return field;
}

/** The defaults of every key (optional keys undefined). */
export const SPEC_DEFAULTS: TopologySpec = topologySpecSchema.parse({});

const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;

/** A raw value as text, or undefined when unset (a stack file's `""` or `null` is unset too). */
function rawText(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** The typed value a text means for a field, or undefined when it cannot mean one. */
function fromText(field: FieldInfo, text: string): unknown {
  switch (field.kind) {
    case 'integer':
      return INTEGER.test(text) ? Number(text) : undefined;
    case 'number':
      return DECIMAL.test(text) ? Number(text) : undefined;
    case 'switch':
      if (text === 'on' || text === 'true') return true;
      if (text === 'off' || text === 'false') return false;
      return undefined;
    default:
      return text;
  }
}

export interface TextParse {
  /** The typed values that were set and valid. */
  values: Partial<Record<TopologySpecKey, unknown>>;
  /** One line per bad value: `<name> must be <expectation>, got "<raw>"`. */
  problems: string[];
}

/**
 * Checks text values (a stack file's strings, YAML numbers/booleans, flag arguments) key by
 * key against the schema: at most one problem per key, in schema order.
 */
export function parseTextValues(
  raw: Partial<Record<TopologySpecKey, unknown>>,
  name: (key: TopologySpecKey) => string,
): TextParse {
  const values: Partial<Record<TopologySpecKey, unknown>> = {};
  const problems: string[] = [];
  for (const field of SPEC_FIELDS) {
    const text = rawText(raw[field.key]);
    if (text === undefined) continue;
    const value = fromText(field, text);
    if (value !== undefined && field.check.safeParse(value).success) values[field.key] = value;
    else problems.push(`${name(field.key)} must be ${field.expectation}, got ${JSON.stringify(text)}`);
  }
  return { values, problems };
}

/**
 * The spec from text values: defaults merged, every value and rule checked. Returns the spec,
 * or the problems (one line each, keys spelt by `name`).
 */
export function specFromText(
  raw: Partial<Record<TopologySpecKey, unknown>>,
  name: (key: TopologySpecKey) => string,
): { spec: TopologySpec; problems: [] } | { spec: undefined; problems: string[] } {
  const { values, problems } = parseTextValues(raw, name);
  if (problems.length > 0) return { spec: undefined, problems };
  const fields = topologySpecFields.parse(values);
  const combined = combinationProblems(fields, name);
  if (combined.length > 0) return { spec: undefined, problems: combined };
  return { spec: fields, problems: [] };
}
