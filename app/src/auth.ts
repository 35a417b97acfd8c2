import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { errors, jwtVerify } from 'jose';
import type { Config } from './config.js';
import { TOKEN_SUBPROTOCOL_PREFIX, WSLAB_SUBPROTOCOL } from './contracts/client-token.js';

/** What a token allows. `'*'` in a list grants every room. */
export interface Grants {
  join: ReadonlySet<string>;
  publish: ReadonlySet<string>;
}

/** True when the grants allow `room` in `list`. Null grants = auth off = allowed. */
export function allows(grants: Grants | null, list: 'join' | 'publish', room: string): boolean {
  if (grants === null) return true;
  const rooms = grants[list];
  return rooms.has('*') || rooms.has(room);
}

/**
 * The token from the `wslab.token.<jwt>` subprotocol or `Authorization: Bearer …`. `?token=` is not
 * read: a URL lands in every access log on the way.
 */
export function tokenFromRequest(request: IncomingMessage): string | undefined {
  const offered = request.headers['sec-websocket-protocol'];
  if (typeof offered === 'string') {
    for (const protocol of offered.split(',')) {
      const trimmed = protocol.trim();
      if (trimmed.startsWith(TOKEN_SUBPROTOCOL_PREFIX) && trimmed.length > TOKEN_SUBPROTOCOL_PREFIX.length) {
        return trimmed.slice(TOKEN_SUBPROTOCOL_PREFIX.length);
      }
    }
  }
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim() || undefined;
  return undefined;
}

/** The subprotocol the server answers with: never the token one (it would echo the token). */
export function selectSubprotocol(offered: ReadonlySet<string>): string | false {
  return offered.has(WSLAB_SUBPROTOCOL) ? WSLAB_SUBPROTOCOL : false;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

export interface TokenRules {
  /** Current signing secret first, then the previous one during a rollover. */
  secrets: readonly Uint8Array[];
  /** Longest lifetime a token may claim: `exp` − `iat` (or − now without `iat`). */
  maxLifetimeS: number;
  /** Clock difference tolerated on `exp`, `nbf` and `iat`. */
  clockSkewS: number;
}

/** The token rules of a config; null when no secret is set (auth off). */
export function tokenRulesOf(
  config: Pick<
    Config,
    'authJwtSecret' | 'authJwtSecretPrevious' | 'authTokenMaxLifetimeS' | 'authClockSkewS'
  >,
): TokenRules | null {
  if (config.authJwtSecret === undefined) return null;
  const encoder = new TextEncoder();
  return {
    secrets: [config.authJwtSecret, config.authJwtSecretPrevious]
      .filter((secret): secret is string => secret !== undefined)
      .map((secret) => encoder.encode(secret)),
    maxLifetimeS: config.authTokenMaxLifetimeS,
    clockSkewS: config.authClockSkewS,
  };
}

/** Why a token was refused: the metric label of the rejection. */
export type TokenRefusal = 'token_missing' | 'token_invalid' | 'token_expired' | 'token_lifetime';

/** A refused token, with its reason. */
export class TokenRefused extends Error {
  constructor(readonly reason: TokenRefusal) {
    super(reason);
    this.name = 'TokenRefused';
  }
}

async function verifyWithAny(rules: TokenRules, token: string) {
  let lastError: unknown;
  for (const secret of rules.secrets) {
    try {
      return await jwtVerify(token, secret, {
        algorithms: ['HS256'],
        requiredClaims: ['exp'],
        clockTolerance: rules.clockSkewS,
      });
    } catch (error) {
      lastError = error;
      // Only a signature mismatch means "maybe the other secret"; anything else is final.
      if (!(error instanceof errors.JWSSignatureVerificationFailed)) break;
    }
  }
  throw lastError;
}

/**
 * Verifies an HS256 JWT against the current or the previous secret: signature, `exp` required,
 * `nbf`, a lifetime no longer than `maxLifetimeS` and an `iat` not in the future (each within
 * `clockSkewS`). Returns its grants (`rooms` → may join, `pub` → may publish); throws
 * TokenRefused with the reason on any refused token.
 */
export async function verifyToken(rules: TokenRules, token: string): Promise<Grants> {
  let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
  try {
    ({ payload } = await verifyWithAny(rules, token));
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw new TokenRefused('token_expired');
    if (error instanceof errors.JOSEError) throw new TokenRefused('token_invalid');
    throw error;
  }
  const nowS = Math.floor(Date.now() / 1000);
  const issuedAtS = typeof payload.iat === 'number' ? payload.iat : nowS;
  if (issuedAtS > nowS + rules.clockSkewS) throw new TokenRefused('token_invalid');
  // exp is required above, so it is a number here.
  if ((payload.exp as number) - issuedAtS > rules.maxLifetimeS + rules.clockSkewS) {
    throw new TokenRefused('token_lifetime');
  }
  return { join: new Set(stringList(payload.rooms)), publish: new Set(stringList(payload.pub)) };
}

/** Why an Origin was refused: the metric label of the rejection. */
export type OriginRefusal = 'origin' | 'origin_missing';

/**
 * A browser, or something that says it is one: browsers send `Sec-Fetch-Mode` on every request
 * (`websocket` on an upgrade) and a `Mozilla/…` User-Agent. A real browser always sends Origin on a
 * WebSocket upgrade, so one of these without Origin is a forged or stripped request.
 */
export function browserLike(headers: IncomingHttpHeaders): boolean {
  return headers['sec-fetch-mode'] !== undefined || (headers['user-agent'] ?? '').startsWith('Mozilla/');
}

/**
 * The Origin check of an upgrade; undefined = allowed. With auth on, the allow-list is required:
 * no list allows no browser Origin, and a browser-like request without Origin is refused. A
 * request without Origin from a non-browser (the load runner, a back end) passes: it could forge
 * the header anyway, and the token is its access control. With auth off, the list (if any)
 * protects browsers only, as before.
 */
export function originRefusal(
  allowedOrigins: readonly string[] | undefined,
  headers: IncomingHttpHeaders,
  authOn: boolean,
): OriginRefusal | undefined {
  const origin = headers.origin;
  if (origin === undefined) return authOn && browserLike(headers) ? 'origin_missing' : undefined;
  if (allowedOrigins === undefined) return authOn ? 'origin' : undefined;
  return allowedOrigins.includes(origin) ? undefined : 'origin';
}
