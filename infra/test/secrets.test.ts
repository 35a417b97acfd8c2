import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it } from 'vitest';
import { envMap, type ProgramRun, plainStrings, runProgram, TYPES } from './harness.js';

// Secrets given in stack config (pulumi config set --secret …) instead of generated ones.
const REDIS_PASSWORD = 'given-redis-password-0b5d';
const PUBLISH_API_KEY = 'publish-key-4e2a9c7b1d';
const AUTH_JWT_SECRET = 'jwt-secret-0123456789abcdef0123456789';

describe('stack config secrets (mocks)', () => {
  let run: ProgramRun;
  const replicas = () => run.byType(TYPES.container).filter((c) => /-app-\d+$/.test(c.inputs.name as string));

  beforeAll(async () => {
    run = await runProgram(
      'secrets',
      {
        'wslab:proxy': 'nginx',
        'wslab:redisMode': 'single',
        'wslab:replicas': '2',
        'wslab:auth': 'jwt',
        'wslab:redisPassword': REDIS_PASSWORD,
        'wslab:publishApiKey': PUBLISH_API_KEY,
        'wslab:authJwtSecret': AUTH_JWT_SECRET,
      },
      ['wslab:redisPassword', 'wslab:publishApiKey', 'wslab:authJwtSecret'],
    );
  });

  it('uses the configured Redis password instead of generating one', () => {
    expect(run.byType(TYPES.password)).toEqual([]);
    for (const replica of replicas()) expect(envMap(replica).REDIS_PASSWORD).toBe(REDIS_PASSWORD);
    const redis = run.byType(TYPES.container).find((c) => c.inputs.name === 'wslab-secrets-redis-0')!;
    expect((redis.inputs.uploads as { content: string }[])[0]!.content).toContain(
      `requirepass "${REDIS_PASSWORD}"`,
    );
  });

  it('turns on the publish API and JWT auth in every replica', () => {
    for (const replica of replicas()) {
      expect(envMap(replica)).toMatchObject({
        PUBLISH_API_KEY: PUBLISH_API_KEY,
        AUTH_JWT_SECRET: AUTH_JWT_SECRET,
      });
    }
  });

  it('never sends any of them unwrapped, nor exports them in plain outputs', async () => {
    for (const value of [REDIS_PASSWORD, PUBLISH_API_KEY, AUTH_JWT_SECRET]) {
      const leaks = run.resources.filter((resource) =>
        plainStrings(resource.wireInputs).some((s) => s.includes(value)),
      );
      expect(leaks.map((resource) => resource.name)).toEqual([]);
      for (const [name, output] of Object.entries(run.outputs)) {
        if (pulumi.Output.isInstance(output) && (await pulumi.isSecret(output))) continue;
        expect(JSON.stringify(output) ?? '', name).not.toContain(value);
      }
    }
  });
});
