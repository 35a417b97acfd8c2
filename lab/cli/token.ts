import { mintToken } from '../../app/src/contracts/client-token.js';
import { resolveTopologySpec } from '../../topology/spec.js';
import type { LabState } from './state.js';

export interface TokenFlags {
  room: string[];
  pub: string[];
  /** Lifetime in ms (parseDuration). */
  ttl: number;
  /** Name of an env variable holding the signing secret (a Pulumi stack's), instead of the lab's. */
  secretEnv?: string;
}

/**
 * `wslab token`: a token for a person, signed with the running lab's secret (`.lab/state.json`)
 * or, with `--secret-env NAME`, with the secret in that env variable (a Pulumi stack's:
 * `pulumi stack output authJwtSecret --show-secrets`). The secret is never a flag: argv is
 * visible to every local user. Throws one line on anything that would mint a useless token.
 */
export async function tokenFor(
  flags: TokenFlags,
  state: LabState | undefined,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const secret = flags.secretEnv === undefined ? state?.authJwtSecret : env[flags.secretEnv];
  if (secret === undefined || secret === '') {
    throw new Error(
      flags.secretEnv === undefined
        ? state === undefined
          ? 'no lab is up; start one with `wslab up`, or pass --secret-env NAME'
          : 'the lab runs with auth: none; no token needed'
        : `${flags.secretEnv} is not set`,
    );
  }
  if (flags.room.length === 0 && flags.pub.length === 0) throw new Error('give at least one --room or --pub');
  const ttlS = Math.floor(flags.ttl / 1000);
  const maxLifetimeS = Number(
    state?.settings.authTokenMaxLifetimeS ?? resolveTopologySpec({}).authTokenMaxLifetimeS,
  );
  if (ttlS > maxLifetimeS) {
    throw new Error(
      `--ttl ${ttlS}s is longer than the replicas accept (authTokenMaxLifetimeS ${maxLifetimeS})`,
    );
  }
  return mintToken(secret, { rooms: flags.room, pub: flags.pub }, ttlS);
}
