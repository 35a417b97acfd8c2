import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import type { LabState } from './state.js';
import { tokenFor } from './token.js';

const SECRET = 'lab-secret-lab-secret-lab-secret-lab-secret';
const state = (settings: Record<string, unknown>, authJwtSecret?: string) =>
  ({ settings, ...(authJwtSecret === undefined ? {} : { authJwtSecret }) }) as unknown as LabState;

describe('wslab token', () => {
  it("mints with the lab's secret: the grants asked for, exp = iat + ttl", async () => {
    const token = await tokenFor(
      { room: ['r'], pub: ['r'], ttl: 3_600_000 },
      state({ auth: 'jwt' }, SECRET),
      {},
    );
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ rooms: ['r'], pub: ['r'] });
    expect(claims.exp! - claims.iat!).toBe(3600);
  });

  it('reads the secret from the env variable named by --secret-env (a Pulumi stack)', async () => {
    const token = await tokenFor({ room: ['*'], pub: [], ttl: 60_000, secretEnv: 'S' }, undefined, {
      S: SECRET,
    });
    expect(decodeJwt(token).rooms).toEqual(['*']);
  });

  it.each([
    ['no lab and no --secret-env', { room: ['r'], pub: [], ttl: 60_000 }, undefined, {}],
    ['a lab with auth none', { room: ['r'], pub: [], ttl: 60_000 }, state({ auth: 'none' }), {}],
    ['an unset --secret-env', { room: ['r'], pub: [], ttl: 60_000, secretEnv: 'S' }, undefined, {}],
    ['no grant at all', { room: [], pub: [], ttl: 60_000 }, state({}, SECRET), {}],
    [
      'a ttl over the max lifetime of the lab',
      { room: ['r'], pub: [], ttl: 7_200_000 },
      state({ authTokenMaxLifetimeS: 3600 }, SECRET),
      {},
    ],
  ])('refuses %s', async (_, flags, labState, env) => {
    await expect(tokenFor(flags, labState, env)).rejects.toThrow();
  });
});
