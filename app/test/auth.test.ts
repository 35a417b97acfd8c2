import type { IncomingMessage } from 'node:http';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  originRefusal,
  selectSubprotocol,
  type TokenRules,
  tokenFromRequest,
  tokenRulesOf,
  verifyToken,
} from '../src/auth.js';
import { tokenSubprotocols } from '../src/contracts/client-token.js';

const CURRENT = 'current-secret-current-secret-current-secret';
const PREVIOUS = 'previous-secret-previous-secret-previous-sec';
const OTHER = 'someone-else-someone-else-someone-else-1234';
const encode = (secret: string) => new TextEncoder().encode(secret);
const rules: TokenRules = { secrets: [encode(CURRENT)], maxLifetimeS: 3600, clockSkewS: 30 };
const nowS = () => Math.floor(Date.now() / 1000);

async function mint(secret: string, claims: { iat?: number; exp?: number; nbf?: number } = {}) {
  const jwt = new SignJWT({ rooms: ['a'], pub: ['a'] }).setProtectedHeader({ alg: 'HS256' });
  if (claims.iat !== undefined) jwt.setIssuedAt(claims.iat);
  if (claims.exp !== undefined) jwt.setExpirationTime(claims.exp);
  if (claims.nbf !== undefined) jwt.setNotBefore(claims.nbf);
  return jwt.sign(encode(secret));
}

async function refusal(token: string, with_: TokenRules = rules): Promise<string> {
  return verifyToken(with_, token).then(
    () => 'accepted',
    (error: { reason?: string }) => error.reason ?? 'threw',
  );
}

describe('verifyToken', () => {
  it('accepts a signed token with exp inside the lifetime and returns its grants', async () => {
    const grants = await verifyToken(rules, await mint(CURRENT, { iat: nowS(), exp: nowS() + 600 }));
    expect([...grants.join]).toEqual(['a']);
    expect([...grants.publish]).toEqual(['a']);
  });

  it.each([
    ['no exp (would never expire)', () => mint(CURRENT, { iat: nowS() }), 'token_invalid'],
    [
      'expired beyond the skew',
      () => mint(CURRENT, { iat: nowS() - 600, exp: nowS() - 31 }),
      'token_expired',
    ],
    ['signed with an unknown secret', () => mint(OTHER, { exp: nowS() + 60 }), 'token_invalid'],
    [
      'not yet valid beyond the skew',
      () => mint(CURRENT, { nbf: nowS() + 120, exp: nowS() + 600 }),
      'token_invalid',
    ],
    [
      'issued in the future beyond the skew',
      () => mint(CURRENT, { iat: nowS() + 120, exp: nowS() + 600 }),
      'token_invalid',
    ],
    [
      'a lifetime over the maximum',
      () => mint(CURRENT, { iat: nowS(), exp: nowS() + 3600 + 31 }),
      'token_lifetime',
    ],
    [
      'no iat and exp further than the maximum',
      () => mint(CURRENT, { exp: nowS() + 7200 }),
      'token_lifetime',
    ],
    ['garbage', async () => 'not.a.jwt', 'token_invalid'],
  ])('refuses %s', async (_, make, reason) => {
    expect(await refusal(await make())).toBe(reason);
  });

  it('tolerates the configured skew on exp and iat, not more', async () => {
    expect(await refusal(await mint(CURRENT, { iat: nowS() - 100, exp: nowS() - 20 }))).toBe('accepted');
    expect(await refusal(await mint(CURRENT, { iat: nowS() + 20, exp: nowS() + 600 }))).toBe('accepted');
  });

  it('during a rollover accepts both secrets; after it only the new one', async () => {
    const oldToken = await mint(PREVIOUS, { iat: nowS(), exp: nowS() + 600 });
    const newToken = await mint(CURRENT, { iat: nowS(), exp: nowS() + 600 });
    const rollover = tokenRulesOf({
      authJwtSecret: CURRENT,
      authJwtSecretPrevious: PREVIOUS,
      authTokenMaxLifetimeS: 3600,
      authClockSkewS: 30,
    })!;
    expect(await refusal(oldToken, rollover)).toBe('accepted');
    expect(await refusal(newToken, rollover)).toBe('accepted');
    expect(await refusal(oldToken)).toBe('token_invalid');
    expect(await refusal(newToken)).toBe('accepted');
  });

  it('auth is off only when no secret is set', () => {
    const off = {
      authJwtSecret: undefined,
      authJwtSecretPrevious: undefined,
      authTokenMaxLifetimeS: 1,
      authClockSkewS: 0,
    };
    expect(tokenRulesOf(off)).toBeNull();
  });
});

describe('token transport', () => {
  const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

  it('reads the token from the wslab.token subprotocol or a Bearer header, never from the URL', () => {
    const offered = tokenSubprotocols('h.p.s').join(', ');
    expect(tokenFromRequest(request({ 'sec-websocket-protocol': offered }))).toBe('h.p.s');
    expect(tokenFromRequest(request({ authorization: 'Bearer h.p.s' }))).toBe('h.p.s');
    expect(tokenFromRequest(request({ 'sec-websocket-protocol': 'wslab.v1, wslab.token.' }))).toBeUndefined();
    expect(tokenFromRequest(request({}))).toBeUndefined();
  });

  it('answers wslab.v1, never the token subprotocol', () => {
    expect(selectSubprotocol(new Set(tokenSubprotocols('h.p.s')))).toBe('wslab.v1');
    expect(selectSubprotocol(new Set(['wslab.token.h.p.s']))).toBe(false);
  });
});

describe('originRefusal', () => {
  const browser = { 'sec-fetch-mode': 'websocket', 'user-agent': 'Mozilla/5.0' };
  const list = ['https://app.example'];

  it.each([
    ['auth on, a listed Origin', list, { ...browser, origin: 'https://app.example' }, true, undefined],
    ['auth on, a foreign Origin', list, { ...browser, origin: 'https://evil.example' }, true, 'origin'],
    [
      'auth on, no list: every Origin',
      undefined,
      { ...browser, origin: 'https://app.example' },
      true,
      'origin',
    ],
    ['auth on, a browser without Origin', list, browser, true, 'origin_missing'],
    [
      'auth on, a Mozilla UA alone without Origin',
      list,
      { 'user-agent': 'Mozilla/5.0' },
      true,
      'origin_missing',
    ],
    ['auth on, a non-browser without Origin', list, { 'user-agent': 'node' }, true, undefined],
    [
      'auth off, no list: any Origin',
      undefined,
      { ...browser, origin: 'https://evil.example' },
      false,
      undefined,
    ],
    ['auth off, a list: a foreign Origin', list, { origin: 'https://evil.example' }, false, 'origin'],
    ['auth off, a browser without Origin', list, browser, false, undefined],
  ] as const)('%s → %s', (_, allowed, headers, authOn, expected) => {
    expect(originRefusal(allowed, headers, authOn)).toBe(expected);
  });
});
