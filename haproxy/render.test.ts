import { describe, expect, it } from 'vitest';
import type { ProxyOptionsInput } from '../proxy/options.js';
import { SAMPLE_PROXY_INPUT } from '../test-support/proxy/sample-input.js';
import { renderHaproxyConfig } from './render.js';

const base: ProxyOptionsInput = SAMPLE_PROXY_INPUT;

describe('renderHaproxyConfig', () => {
  it('tunes timeouts for long-lived upgraded connections', () => {
    const text = renderHaproxyConfig({ ...base, timeouts: { tunnelMs: 60_000, clientFinMs: 1_500 } });
    expect(text).toContain('timeout tunnel 60s');
    expect(text).toContain('timeout client-fin 1500ms');
    expect(text).toContain('timeout http-request 5s');
    expect(text).toContain('hard-stop-after 30s');
  });

  it('checks /readyz actively and cuts sessions of a server marked down', () => {
    const text = renderHaproxyConfig(base);
    expect(text).toContain('option httpchk GET /readyz');
    expect(text).toContain('http-check expect status 200');
    expect(text).toMatch(
      /default-server check inter 500ms fastinter 250ms downinter 1s fall 3 rise 2 slowstart 5s on-marked-down shutdown-sessions/,
    );
    expect(text).toContain('server r2 replica-2:8080');
  });

  it('resolves server names once at start unless a DNS resolver is set', () => {
    const once = renderHaproxyConfig(base);
    expect(once).toContain('init-addr libc,none');
    expect(once).not.toContain('resolvers');
    const live = renderHaproxyConfig({ ...base, dnsResolver: '127.0.0.11:53' });
    expect(live).toMatch(/^resolvers dns\n {4}nameserver dns 127\.0\.0\.11:53\n {4}timeout resolve 1s$/m);
    expect(live).toContain('resolvers dns init-addr last,libc,none resolve-prefer ipv4');
  });

  it('sizes maxconn for two descriptors per proxied connection', () => {
    expect(renderHaproxyConfig(base)).toContain('maxconn 9900');
  });

  it('serves Prometheus metrics, the stats page, /api/* and /admin/* on the internal listener only', () => {
    const text = renderHaproxyConfig(base);
    expect(text).toContain('bind 127.0.0.1:8404');
    expect(text).toContain('http-request use-service prometheus-exporter if { path /metrics }');
    // Not `stats uri /`: that would answer every path of the internal listener.
    expect(text).toContain('stats uri /stats\n');
    expect(text).toContain('use_backend replicas if { path_beg /api/ /admin/ }');
    expect(text).toContain('use_backend not_public unless { path /ws /healthz }');
  });

  it.each([
    ['none', ['balance leastconn'], 'cookie '],
    [
      'cookie',
      [
        'balance leastconn',
        'cookie WSLAB_SRV insert indirect nocache httponly',
        'server r1 replica-1:8080 cookie r1',
      ],
      'hash-type',
    ],
    ['source', ['balance source', 'hash-type consistent'], 'cookie '],
    ['room', ['balance url_param room', 'hash-type consistent'], 'cookie '],
  ] as const)('stickiness %s', (stickiness, present, absent) => {
    const text = renderHaproxyConfig({ ...base, stickiness });
    for (const line of present) expect(text).toContain(line);
    expect(text).not.toContain(absent);
  });

  it('terminates TLS with the bundle and marks the cookie secure', () => {
    const text = renderHaproxyConfig({
      ...base,
      stickiness: 'cookie',
      tls: { enabled: true, certPath: '/t/c.pem', keyPath: '/t/k.pem', bundlePath: '/t/b.pem' },
    });
    expect(text).toContain('bind 127.0.0.1:8000 ssl crt /t/b.pem alpn http/1.1');
    expect(text).toContain('httponly secure');
  });
});
