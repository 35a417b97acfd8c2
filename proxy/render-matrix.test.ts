import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHaproxyConfig } from '../haproxy/render.js';
import { renderNginxConfig } from '../nginx/render.js';
import { checkHaproxyConfig, checkNginxConfig } from '../runtime/config-check.js';
import { type GeneratedCert, generateSelfSignedCert } from '../runtime/tls.js';
import { PROXY_RANGES, type ProxyOptionsInput, STICKINESS_MODES } from './options.js';

// Every combination of the options that change the rendered text, checked by
// the real binaries (haproxy -c -dW: warnings fail too; nginx -t).
let dir: string;
let cert: GeneratedCert;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wslab-render-'));
  cert = await generateSelfSignedCert({ dir: join(dir, 'tls') });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function combinations(runDir: string): [string, ProxyOptionsInput][] {
  const out: [string, ProxyOptionsInput][] = [];
  for (const stickiness of STICKINESS_MODES) {
    for (const tls of [false, true]) {
      for (const workers of [1, 2]) {
        for (const slowStartMs of [0, 5_000]) {
          for (const accessLog of [false, true]) {
            for (const hosts of ['loopback', 'containers'] as const) {
              out.push([
                `${stickiness} tls=${tls} workers=${workers} slowstart=${slowStartMs} access=${accessLog} ${hosts}`,
                {
                  listen: { host: hosts === 'loopback' ? '127.0.0.1' : '0.0.0.0', port: 18_443 },
                  stats: { port: 18_404 },
                  backends: [1, 2, 3].map((n) => ({
                    id: `replica-${n}`,
                    host: hosts === 'loopback' ? '127.0.0.1' : 'localhost',
                    port: 18_080 + n,
                  })),
                  stickiness,
                  limits: { workers },
                  health: { slowStartMs, intervalMs: 1_500 },
                  timeouts: { tunnelMs: 2_500, clientFinMs: 1_000 },
                  tls: tls ? { enabled: true, ...cert } : { enabled: false },
                  paths: { runDir, accessLogPath: accessLog ? join(runDir, 'access.log') : null },
                },
              ]);
            }
          }
        }
      }
    }
  }
  return out;
}

describe('every option combination renders a config the binary accepts', () => {
  it('haproxy -c', async () => {
    const runDir = join(dir, 'haproxy');
    const cases = combinations(runDir);
    expect(cases.length).toBe(128);
    for (const [name, input] of cases) {
      const path = join(dir, 'haproxy.cfg');
      writeFileSync(path, renderHaproxyConfig(input));
      const result = await checkHaproxyConfig(path);
      expect(result.ok, `${name}\n${result.output}`).toBe(true);
    }
  });

  it('haproxy -c with a DNS resolver (the Docker deployment re-resolves replicas)', async () => {
    const path = join(dir, 'haproxy-resolvers.cfg');
    const [, input] = combinations(join(dir, 'haproxy'))[0]!;
    const text = renderHaproxyConfig({ ...input, dnsResolver: '127.0.0.11:53' });
    expect(text).toContain('resolvers dns\n    nameserver dns 127.0.0.11:53');
    expect(text).toMatch(/default-server .* resolvers dns init-addr last,libc,none resolve-prefer ipv4/);
    writeFileSync(path, text);
    const result = await checkHaproxyConfig(path);
    expect(result.ok, result.output).toBe(true);
  });

  it.each(['none', 'cookie'] as const)(
    'haproxy -c with a server-template filled from DNS (the Swarm deployment), stickiness %s',
    async (stickiness) => {
      const path = join(dir, `haproxy-template-${stickiness}.cfg`);
      const [, input] = combinations(join(dir, 'haproxy'))[0]!;
      const text = renderHaproxyConfig({
        ...input,
        stickiness,
        // Unresolvable at check time, as tasks.<service> is outside the Swarm: slots start without an address.
        backends: [{ id: 'app', host: 'tasks.app.invalid', port: 18_081 }],
        dnsResolver: '127.0.0.11:53',
        serverTemplateSlots: 8,
      });
      expect(text).toContain('server-template app 8 tasks.app.invalid:18081');
      expect(text).not.toMatch(/^ {4}server /m);
      if (stickiness === 'cookie') {
        expect(text).toContain('cookie WSLAB_SRV insert indirect nocache httponly dynamic');
        expect(text).toContain('dynamic-cookie-key wslab-task-cookie');
      }
      writeFileSync(path, text);
      const result = await checkHaproxyConfig(path);
      // -dW makes every warning fatal: the only ones allowed are the unresolvable slots'.
      const problems = result.output
        .split('\n')
        .filter((line) => /\[(WARNING|ALERT)\]/.test(line))
        .filter(
          (line) =>
            !/could not resolve address 'tasks\.app\.invalid', disabling server|'zero-warning' is set/.test(
              line,
            ),
        );
      expect(problems, result.output).toEqual([]);
      expect(result.output).toMatch(/could not resolve address 'tasks\.app\.invalid'/);
    },
  );

  it('nginx -t', async () => {
    const runDir = join(dir, 'nginx');
    for (const [name, input] of combinations(runDir)) {
      const path = join(dir, 'nginx.conf');
      writeFileSync(path, renderNginxConfig(input));
      const result = await checkNginxConfig(path, runDir, join(runDir, 'error.log'));
      expect(result.ok, `${name}\n${result.output}`).toBe(true);
    }
  });

  it('both binaries accept every limit at the top of its range', async () => {
    const runDir = join(dir, 'limits');
    mkdirSync(runDir, { recursive: true });
    const [, input] = combinations(runDir)[0]!;
    const limits = {
      workers: PROXY_RANGES.workers.max,
      connectionsPerAddress: PROXY_RANGES.connectionsPerAddress.max,
      connectRatePerAddressPerS: PROXY_RANGES.connectRatePerAddressPerS.max,
    };
    const haproxyPath = join(dir, 'haproxy-limits.cfg');
    writeFileSync(haproxyPath, renderHaproxyConfig({ ...input, limits }));
    const haproxy = await checkHaproxyConfig(haproxyPath);
    expect(haproxy.ok, haproxy.output).toBe(true);
    const nginxPath = join(dir, 'nginx-limits.conf');
    writeFileSync(nginxPath, renderNginxConfig({ ...input, limits }));
    const nginx = await checkNginxConfig(nginxPath, runDir, join(runDir, 'error.log'));
    expect(nginx.ok, nginx.output).toBe(true);
  });

  it('the binaries do reject a broken config (the check is real)', async () => {
    const path = join(dir, 'broken.cfg');
    writeFileSync(
      path,
      renderHaproxyConfig(combinations(dir)[0]![1]).replace('timeout tunnel', 'timeout tunel'),
    );
    expect((await checkHaproxyConfig(path)).ok).toBe(false);
    writeFileSync(
      path,
      renderNginxConfig(combinations(dir)[0]![1]).replace('proxy_http_version', 'proxy_http_vers'),
    );
    expect((await checkNginxConfig(path, dir, join(dir, 'error.log'))).ok).toBe(false);
  });
});
