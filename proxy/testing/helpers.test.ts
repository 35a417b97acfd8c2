import { describe, expect, it } from 'vitest';
import { parseShowProc } from '../../haproxy/master-cli.js';
import { backoffDelayMs } from './reconnect.js';
import { CookieJar } from './ws-client.js';

describe('parseShowProc', () => {
  it('separates current and old workers (HAProxy 2.6 layout)', () => {
    const text = `#<PID>          <type>          <reloads>       <uptime>        <version>
1162            master          1 [failed: 0]   0d00h00m08s     2.6.12-1+deb12u4
# workers
1271            worker          0               0d00h00m00s     2.6.12-1+deb12u4
# old workers
1233            worker          1               0d00h00m08s     2.6.12-1+deb12u4
# programs
`;
    expect(parseShowProc(text)).toEqual({ masterPid: 1162, workers: [1271], oldWorkers: [1233] });
  });
});

describe('backoffDelayMs', () => {
  it('jitters the first attempt within the base and doubles up to the cap', () => {
    const backoff = { baseMs: 100, capMs: 1_000 };
    expect(backoffDelayMs(0, backoff, () => 0.5)).toBe(50);
    expect(backoffDelayMs(1, backoff, () => 0)).toBe(100);
    expect(backoffDelayMs(2, backoff, () => 0.999)).toBeLessThan(400);
    expect(backoffDelayMs(10, backoff, () => 0.999)).toBeLessThanOrEqual(1_000);
  });
});

describe('CookieJar', () => {
  it('stores Set-Cookie pairs and sends them back', () => {
    const jar = new CookieJar();
    expect(jar.header()).toBeUndefined();
    jar.store(['WSLAB_SRV=r2; path=/; HttpOnly', 'other=x=y; Secure']);
    expect(jar.get('WSLAB_SRV')).toBe('r2');
    expect(jar.header()).toBe('WSLAB_SRV=r2; other=x=y');
  });
});
