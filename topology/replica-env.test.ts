import { describe, expect, it } from 'vitest';
import { replicaEnv } from './replica-env.js';
import { resolveTopologySpec } from './spec.js';

const placement = { host: '127.0.0.1', port: 1, instanceId: 'r1', redisUrl: 'redis://127.0.0.1:6379' };

describe('replicaEnv auth', () => {
  it('auth jwt: the secrets become the service env; without a secret it refuses rather than run open', () => {
    const spec = resolveTopologySpec({ auth: 'jwt' });
    const env = replicaEnv(spec, {
      ...placement,
      authJwtSecret: 'a'.repeat(32),
      authJwtSecretPrevious: 'b'.repeat(32),
    });
    expect(env).toMatchObject({ AUTH_JWT_SECRET: 'a'.repeat(32), AUTH_JWT_SECRET_PREVIOUS: 'b'.repeat(32) });
    expect(() => replicaEnv(spec, placement)).toThrow(/authJwtSecret/);
  });

  it('auth none: no auth env even when a secret is at hand', () => {
    const env = replicaEnv(resolveTopologySpec({ auth: 'none' }), {
      ...placement,
      authJwtSecret: 'a'.repeat(32),
    });
    expect(env.AUTH_JWT_SECRET).toBeUndefined();
  });
});
