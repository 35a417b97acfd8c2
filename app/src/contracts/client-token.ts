import { SignJWT } from 'jose';

/**
 * How a client proves who it is, shared by the service and every client (load runner, probe, lab
 * tools): an HS256 JWT with room grants, offered in the upgrade request, never in the URL.
 */

/** The subprotocol the service speaks; a browser offers it beside its token. */
export const WSLAB_SUBPROTOCOL = 'wslab.v1';
/**
 * A browser offers its token as one more subprotocol, `wslab.token.<jwt>` (a JWT is base64url and
 * dots, valid token characters): browsers cannot set Authorization on a WebSocket, and unlike
 * `?token=` the Sec-WebSocket-Protocol header is in no proxy's access log.
 */
export const TOKEN_SUBPROTOCOL_PREFIX = 'wslab.token.';

/** Subprotocols a browser-like client offers to connect with `token`. */
export function tokenSubprotocols(token: string): string[] {
  return [WSLAB_SUBPROTOCOL, `${TOKEN_SUBPROTOCOL_PREFIX}${token}`];
}

/** The upgrade header a non-browser client sends with `token`. */
export function bearerHeader(token: string): { Authorization: string } {
  return { Authorization: `Bearer ${token}` };
}

/** What a token grants: rooms it may join and publish to (`'*'` = every room). */
export interface TokenGrants {
  rooms: readonly string[];
  pub: readonly string[];
}

/** Signs a token for `grants`, valid for `ttlS` seconds from now (`iat` and `exp` set). */
export async function mintToken(secret: string, grants: TokenGrants, ttlS: number): Promise<string> {
  const nowS = Math.floor(Date.now() / 1000);
  return new SignJWT({ rooms: [...grants.rooms], pub: [...grants.pub] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(nowS)
    .setExpirationTime(nowS + ttlS)
    .sign(new TextEncoder().encode(secret));
}
