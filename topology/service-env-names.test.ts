import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * A deployment's settings reach a replica through one mapping (topology/replica-env.ts); no other
 * production module names a service env variable, so a setting cannot be set behind the spec's back.
 */

/** Where a service env name may appear in code. */
const ALLOWED = [
  /^app\//, // the service reads its env (app/src/config.ts) and its own tests set it
  /^topology\/replica-env\.ts$/, // the one spec → env mapping
  // the schema takes each service key's default and range from app/src/config.ts's tables, keyed
  // by env name (SERVICE_INTEGER_SETTINGS, SERVICE_SECRET_MIN_LENGTH): read, never set
  /^topology\/spec\.ts$/,
  /^topology\/stack-config\.ts$/,
];
const TESTS = [/\.test\.ts$/, /(^|\/)test\//, /^test-support\//];

/** The service's env names: the keys of its env schema in app/src/config.ts (HOST and PORT are too common a word to grep). */
function serviceEnvNames(): string[] {
  const source = readFileSync('app/src/config.ts', 'utf8');
  const schema = source.slice(source.indexOf('const envSchema = z.object({'));
  const names = [...schema.matchAll(/^ {2}([A-Z][A-Z0-9_]+): /gm)].map((match) => match[1] as string);
  return names.filter((name) => name !== 'HOST' && name !== 'PORT');
}

/** Code without its comments (a comment may name the variable a setting becomes). */
function codeOf(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

describe('service env names', () => {
  it('are read from the service config module', () => {
    expect(serviceEnvNames()).toEqual(expect.arrayContaining(['REDIS_URL', 'AUTH_JWT_SECRET', 'LOG_LEVEL']));
    expect(serviceEnvNames().length).toBeGreaterThan(20);
  });

  it('appear in no production module but the service and the spec → env mapping', () => {
    const names = new RegExp(`\\b(${serviceEnvNames().join('|')})\\b`);
    const files = execFileSync('git', ['ls-files', '*.ts', '*.mjs', '*.cjs'], { encoding: 'utf8' })
      .split('\n')
      .filter((file) => file !== '')
      .filter((file) => !ALLOWED.some((rule) => rule.test(file)) && !TESTS.some((rule) => rule.test(file)));
    const offenders = files.flatMap((file) =>
      codeOf(readFileSync(file, 'utf8'))
        .split('\n')
        .filter((line) => names.test(line))
        .map((line) => `${file}: ${line.trim()}`),
    );
    expect(offenders).toEqual([]);
  });
});
