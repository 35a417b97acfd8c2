import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type ProxyOptions, type ProxyOptionsInput, resolveProxyOptions } from '../proxy/options.js';
import type { ProxyKind } from '../topology/spec.js';
import type { ConfigCheck } from './config-check.js';
import { freePort } from './ports.js';
import type { LocalProxyOptions } from './running-proxy.js';
import { generateSelfSignedCert } from './tls.js';

/**
 * Shared start-up steps of runtime/haproxy.ts and nginx.ts: free ports,
 * paths under the run dir, a run-time certificate when asked, rendered and
 * checked config on disk.
 */
export async function prepareProxyOptions(dir: string, lab: LocalProxyOptions): Promise<ProxyOptions> {
  const runDir = resolve(dir);
  await mkdir(runDir, { recursive: true });
  const { tls: tlsOption, ...rest } = lab;
  const tls =
    tlsOption === true
      ? { enabled: true, ...(await generateSelfSignedCert({ dir: join(runDir, 'tls') })) }
      : tlsOption;
  const input: ProxyOptionsInput = {
    ...rest,
    listen: { ...lab.listen, port: lab.listen?.port ?? (await freePort()) },
    stats: { ...lab.stats, port: lab.stats?.port ?? (await freePort()) },
    paths: { ...lab.paths, runDir: lab.paths?.runDir ?? runDir },
    ...(tls === undefined ? {} : { tls }),
  };
  return resolveProxyOptions(input);
}

/** Merges reload changes into the options a proxy is running with (ports and paths stay). */
export function mergeReloadChanges(
  current: ProxyOptions,
  changes: Partial<LocalProxyOptions>,
): ProxyOptionsInput {
  const { tls, ...rest } = changes;
  return {
    ...current,
    ...rest,
    listen: current.listen,
    stats: current.stats,
    paths: current.paths,
    timeouts: { ...current.timeouts, ...changes.timeouts },
    health: { ...current.health, ...changes.health },
    limits: { ...current.limits, ...changes.limits },
    tls: tls === undefined || tls === true ? current.tls : { ...current.tls, ...tls },
  };
}

/**
 * Writes `text` to `path` only after the binary accepts it (checked as `<path>.candidate`),
 * so a bad render never replaces the config a running proxy would reload.
 */
export async function writeCheckedConfig(
  kind: ProxyKind,
  path: string,
  text: string,
  check: (path: string) => Promise<ConfigCheck>,
): Promise<void> {
  const candidate = `${path}.candidate`;
  await writeFile(candidate, text);
  const result = await check(candidate);
  await rm(candidate, { force: true });
  if (!result.ok) throw new Error(`${kind}: rendered config rejected by the binary:\n${result.output}`);
  await writeFile(path, text);
}

export function proxyUrls(options: ProxyOptions): { httpUrl: string; wsUrl: string } {
  const host = options.listen.host === '0.0.0.0' ? '127.0.0.1' : options.listen.host;
  const secure = options.tls.enabled;
  return {
    httpUrl: `${secure ? 'https' : 'http'}://${host}:${options.listen.port}`,
    wsUrl: `${secure ? 'wss' : 'ws'}://${host}:${options.listen.port}`,
  };
}
