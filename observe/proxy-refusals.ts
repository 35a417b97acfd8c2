import { readFile } from 'node:fs/promises';
import type { RunningProxy } from '../runtime/running-proxy.js';
import { fetchText, metricValue } from './prometheus.js';

/** Where each proxy counts requests it refused with 429 for a per-address limit. */
export const PROXY_REFUSAL_SOURCE = {
  haproxy: 'haproxy_frontend_requests_denied_total{proxy="ws_in"} (http-request deny)',
  nginx: 'error log lines "limiting connections" / "limiting requests" (limit_conn, limit_req)',
} as const;

/**
 * Requests the proxy refused for a per-address limit so far. HAProxy: its Prometheus counter of
 * denied requests (the current workers' count: a reload starts it from 0). Nginx OSS has no
 * such counter (stub_status counts connections only): limit_conn and limit_req log every
 * refusal at error level, and the error log survives reloads.
 */
export async function proxyRefusals(
  proxy: Pick<RunningProxy, 'kind' | 'metricsUrl' | 'options'>,
): Promise<number> {
  if (proxy.kind === 'haproxy') {
    const text = await fetchText(proxy.metricsUrl);
    if (text === undefined) return 0;
    return metricValue(text, 'haproxy_frontend_requests_denied_total', 'proxy="ws_in"') ?? 0;
  }
  const log = await readFile(proxy.options.paths.errorLogPath, 'utf8').catch(() => '');
  let refused = 0;
  for (const line of log.split('\n')) {
    if (line.includes('limiting connections') || line.includes('limiting requests')) refused += 1;
  }
  return refused;
}

/** Where each proxy counts public-listener requests for a path it does not serve (404). */
export const NOT_PUBLIC_SOURCE = {
  haproxy: 'haproxy_backend_http_requests_total{proxy="not_public"} (use_backend not_public)',
  nginx: "lines of paths.notPublicLogPath (the access_log of the public server's catch-all location)",
} as const;

/**
 * Requests the public listener answered 404 because the path is not public (`/metrics`, `/api/*`,
 * `/admin/*`, anything but the WebSocket and health paths). HAProxy: its `not_public` backend's
 * request counter (the current workers' count: a reload starts it from 0). Nginx: one line each
 * in its own log, which survives reloads.
 */
export async function notPublicRefusals(
  proxy: Pick<RunningProxy, 'kind' | 'metricsUrl' | 'options'>,
): Promise<number> {
  if (proxy.kind === 'haproxy') {
    const text = await fetchText(proxy.metricsUrl);
    if (text === undefined) return 0;
    return metricValue(text, 'haproxy_backend_http_requests_total', 'proxy="not_public"') ?? 0;
  }
  const log = await readFile(proxy.options.paths.notPublicLogPath, 'utf8').catch(() => '');
  return log.split('\n').filter((line) => line.length > 0).length;
}
