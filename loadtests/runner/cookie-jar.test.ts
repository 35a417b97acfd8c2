import { describe, expect, it } from 'vitest';
import { CookieJar } from './cookie-jar.js';

describe('CookieJar', () => {
  it('keeps name=value pairs of Set-Cookie and sends them back in one header', () => {
    const jar = new CookieJar();
    expect(jar.header()).toBeUndefined();
    jar.store(['WSLAB_SRV=r2; path=/; HttpOnly', 'other=x=y; Secure', 'broken', '=nameless']);
    expect(jar.get('WSLAB_SRV')).toBe('r2');
    expect(jar.header()).toBe('WSLAB_SRV=r2; other=x=y');
    // A new value for a known name replaces it (HAProxy rewrites its cookie on redispatch).
    jar.store(['WSLAB_SRV=r3; path=/']);
    expect(jar.header()).toBe('WSLAB_SRV=r3; other=x=y');
  });

  it('deletes on Max-Age <= 0 or a past Expires, and lets Max-Age win over Expires', () => {
    let nowMs = Date.parse('2026-01-01T00:00:00Z');
    const jar = new CookieJar(() => nowMs);
    jar.store(['a=1', 'b=2; Max-Age=10', 'c=3; Expires=Wed, 01 Jan 2031 00:00:00 GMT']);
    expect(jar.header()).toBe('a=1; b=2; c=3');
    jar.store(['a=gone; Max-Age=0', 'c=gone; Expires=Thu, 01 Jan 1970 00:00:00 GMT']);
    expect(jar.header()).toBe('b=2');
    nowMs += 10_001;
    expect(jar.get('b')).toBeUndefined();
    expect(jar.header()).toBeUndefined();
    jar.store(['d=4; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=60']);
    expect(jar.get('d')).toBe('4');
  });
});
