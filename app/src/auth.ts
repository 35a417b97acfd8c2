import type { IncomingMessage } from 'node:http';
import { errors, jwtVerify } from 'jose';

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

/** The token from `?token=` or `Authorization: Bearer …`. */
export function tokenFromRequest(request: IncomingMessage, url: URL): string | undefined {
  const fromQuery = url.searchParams.get('token');
  if (fromQuery) return fromQuery;
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim() || undefined;
  return undefined;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/**
 * Verifies an HS256 JWT (signature, exp/nbf) with jose and returns its grants
 * (`rooms` → may join, `pub` → may publish). Throws on any invalid token.
 */
export async function verifyToken(secret: Uint8Array, token: string): Promise<Grants> {
  const { payload } = await jwtVerify(token, secret, { algorithms: ['HS256'] });
  return { join: new Set(stringList(payload.rooms)), publish: new Set(stringList(payload.pub)) };
}

/** True for errors that mean "bad token" rather than a bug. */
export function isTokenError(error: unknown): boolean {
  return error instanceof errors.JOSEError;
}

/**
 * Origin allow-list. A request without an Origin header (not a browser) is
 * allowed: the list protects browsers from cross-site use, and any other
 * client could forge the header anyway; use the token for real access control.
 */
export function originAllowed(allowedOrigins: string[] | undefined, origin: string | undefined): boolean {
  if (allowedOrigins === undefined || origin === undefined) return true;
  return allowedOrigins.includes(origin);
}
