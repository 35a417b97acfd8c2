import { describe, expect, it } from 'vitest';
import { heartbeatTimeoutMs } from '../app/src/contracts/protocol.js';
import {
  maxProxiedConnections,
  PROXY_DEFAULTS,
  ProxyOptionsError,
  type ProxyOptionsInput,
  resolveProxyOptions,
  tunnelTimeoutMsFor,
} from './options.js';

const base: ProxyOptionsInput = {
  listen: { port: 8000 },
  stats: { port: 8404 },
  backends: [
    { id: 'r1', host: '127.0.0.1', port: 8081 },
    { id: 'r2', host: 'replica-2', port: 8080 },
  ],
  paths: { runDir: '/tmp/wslab-proxy' },
};

function codeOf(input: ProxyOptionsInput): string {
  try {
    resolveProxyOptions(input);
  } catch (error) {
    if (error instanceof ProxyOptionsError) return error.code;
    throw error;
  }
  return 'ok';
}

describe('resolveProxyOptions', () => {
  it("derives the tunnel timeout from the replicas' heartbeat: the clients' heartbeat timeout", () => {
    expect(resolveProxyOptions(base).timeouts.tunnelMs).toBe(3_000);
    expect(resolveProxyOptions({ ...base, heartbeatIntervalMs: 10_000 }).timeouts.tunnelMs).toBe(15_000);
    // No heartbeat: only the 25 s pings keep a tunnel, so the old 60 s.
    expect(resolveProxyOptions({ ...base, heartbeatIntervalMs: 0 }).timeouts).toMatchObject({
      tunnelMs: 60_000,
      clientFinMs: 5_000,
    });
    // A given tunnel wins; client-fin follows a short tunnel down.
    const given = resolveProxyOptions({ ...base, heartbeatIntervalMs: 0, timeouts: { tunnelMs: 2_000 } });
    expect(given.timeouts).toMatchObject({ tunnelMs: 2_000, clientFinMs: 2_000 });
    expect(tunnelTimeoutMsFor(2_000)).toBe(heartbeatTimeoutMs(2_000));
    expect(codeOf({ ...base, heartbeatIntervalMs: -1 })).toBe('bad_timeout');
  });

  it('merges defaults once and derives paths from runDir', () => {
    const options = resolveProxyOptions(base);
    expect(options.listen.host).toBe('127.0.0.1');
    expect(options.stickiness).toBe('cookie');
    expect(options.timeouts).toEqual(PROXY_DEFAULTS.timeouts);
    expect(options.paths.pidFile).toBe('/tmp/wslab-proxy/proxy.pid');
    expect(options.paths.accessLogPath).toBeNull();
    expect(options.tls.enabled).toBe(false);
  });

  it('keeps a real 0 (slowstart off) instead of the default', () => {
    expect(resolveProxyOptions({ ...base, health: { slowStartMs: 0 } }).health.slowStartMs).toBe(0);
  });

  it('sizes connections for two descriptors per proxied socket', () => {
    expect(maxProxiedConnections({ ...PROXY_DEFAULTS.limits, fdLimit: 20_000, fdReserve: 200 })).toBe(9_900);
  });

  it.each([
    ['no backends', { ...base, backends: [] }, 'no_backends'],
    ['bad id', { ...base, backends: [{ id: 'a b', host: 'h', port: 1 }] }, 'bad_backend_id'],
    [
      'duplicate id',
      {
        ...base,
        backends: [
          { id: 'a', host: 'h', port: 1 },
          { id: 'a', host: 'h', port: 2 },
        ],
      },
      'duplicate_backend_id',
    ],
    ['bad host', { ...base, backends: [{ id: 'a', host: 'h;x', port: 1 }] }, 'bad_backend_host'],
    ['bad backend port', { ...base, backends: [{ id: 'a', host: 'h', port: 0 }] }, 'bad_port'],
    ['bad listen port', { ...base, listen: { port: 70_000 } }, 'bad_port'],
    ['bad listen host', { ...base, listen: { port: 1, host: 'a b' } }, 'bad_host'],
    ['stats on listen port', { ...base, stats: { port: 8000 } }, 'port_clash'],
    ['unknown stickiness', { ...base, stickiness: 'ip' as never }, 'bad_stickiness'],
    ['bad cookie name', { ...base, cookieName: 'a=b' }, 'bad_cookie_name'],
    ['bad room param', { ...base, roomParam: 'room&x' }, 'bad_room_param'],
    ['zero timeout', { ...base, timeouts: { tunnelMs: 0 } }, 'bad_timeout'],
    ['fractional timeout', { ...base, timeouts: { connectMs: 1.5 } }, 'bad_timeout'],
    [
      'tunnel below client-fin',
      { ...base, timeouts: { tunnelMs: 1_000, clientFinMs: 2_000 } },
      'tunnel_below_client_fin',
    ],
    ['relative health path', { ...base, health: { path: 'readyz' } }, 'bad_health'],
    ['zero fall', { ...base, health: { fall: 0 } }, 'bad_health'],
    ['negative slowstart', { ...base, health: { slowStartMs: -1 } }, 'bad_health'],
    ['zero workers', { ...base, limits: { workers: 0 } }, 'bad_limits'],
    ['tiny fd limit', { ...base, limits: { fdLimit: 100 } }, 'bad_limits'],
    ['tiny reserve', { ...base, limits: { fdReserve: 1 } }, 'bad_limits'],
    ['no connections per address', { ...base, limits: { connectionsPerAddress: 0 } }, 'bad_limits'],
    ['fractional connect rate', { ...base, limits: { connectRatePerAddressPerS: 2.5 } }, 'bad_limits'],
    ['tls without paths', { ...base, tls: { enabled: true } }, 'tls_paths_missing'],
    ['relative runDir', { ...base, paths: { runDir: 'run' } }, 'relative_path'],
    ['path with a quote', { ...base, paths: { runDir: '/tmp/a"b' } }, 'relative_path'],
    [
      'relative tls path',
      { ...base, tls: { enabled: true, certPath: 'c.pem', keyPath: '/k', bundlePath: '/b' } },
      'relative_path',
    ],
  ] as [string, ProxyOptionsInput, string][])('rejects %s', (_name, input, code) => {
    expect(codeOf(input)).toBe(code);
  });

  it('says exactly what is wrong', () => {
    expect(() => resolveProxyOptions({ ...base, tls: { enabled: true } })).toThrow(
      'tls.enabled needs tls.certPath, tls.keyPath and tls.bundlePath',
    );
    expect(() => resolveProxyOptions({ ...base, stats: { port: 8000 } })).toThrow(
      'stats.port: 8000 is also listen.port; give the stats endpoint its own port',
    );
    expect(() => resolveProxyOptions({ ...base, dnsResolver: 'dns.local' })).toThrow(
      'dnsResolver: "dns.local" must be an IPv4 address and port, e.g. 127.0.0.11:53',
    );
  });

  it('resolves backends once unless a DNS resolver is given', () => {
    expect(resolveProxyOptions(base).dnsResolver).toBeNull();
    expect(resolveProxyOptions({ ...base, dnsResolver: '127.0.0.11:53' }).dnsResolver).toBe('127.0.0.11:53');
  });

  it('refuses a server-template without a resolver or out of range', () => {
    const template = { ...base, stickiness: 'none' as const, serverTemplateSlots: 8 };
    expect(() => resolveProxyOptions(template)).toThrow(
      'serverTemplateSlots needs dnsResolver: the slots are filled from DNS answers while the proxy runs',
    );
    expect(() =>
      resolveProxyOptions({ ...template, dnsResolver: '127.0.0.11:53', serverTemplateSlots: 65 }),
    ).toThrow('serverTemplateSlots: 65 must be an integer 0..64');
    expect(resolveProxyOptions({ ...template, dnsResolver: '127.0.0.11:53' }).serverTemplateSlots).toBe(8);
  });
});
