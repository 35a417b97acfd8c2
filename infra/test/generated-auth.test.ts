import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it } from 'vitest';
import { envMap, MOCK_AUTH_JWT_SECRET, type ProgramRun, plainStrings, runProgram, TYPES } from './harness.js';

// Closed by default: a stack with auth jwt and no configured secret gets a generated one.
describe('auth jwt without a configured secret (mocks)', () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram('generated-auth', {
      'wslab:proxy': 'haproxy',
      'wslab:redisMode': 'single',
      'wslab:replicas': '2',
      'wslab:auth': 'jwt',
    });
  });

  it('generates the signing secret as a Pulumi secret, gives it to every replica and exports it only as a secret', async () => {
    expect(run.byType(TYPES.password).map((resource) => resource.name)).toContain('auth-jwt-secret');
    const replicas = run.byType(TYPES.container).filter((c) => /-app-\d+$/.test(c.inputs.name as string));
    expect(replicas).toHaveLength(2);
    for (const replica of replicas) expect(envMap(replica).AUTH_JWT_SECRET).toBe(MOCK_AUTH_JWT_SECRET);
    const output = run.outputs.authJwtSecret as pulumi.Output<string>;
    expect(await pulumi.isSecret(output)).toBe(true);
    expect(run.outputs.authMode).toBe('jwt');
    const leaks = run.resources.filter((resource) =>
      plainStrings(resource.wireInputs).some((s) => s.includes(MOCK_AUTH_JWT_SECRET)),
    );
    expect(leaks.map((resource) => resource.name)).toEqual([]);
  });
});
