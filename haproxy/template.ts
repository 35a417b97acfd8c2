/**
 * The HAProxy 2.6 config template. `render.ts` derives every value from the
 * shared ProxyOptions; this file only lays them out, so the config reads like
 * the hand-written one it replaces. Knobs are explained in haproxy/README.md.
 */
/** Name of the `resolvers` section servers refer to (when a DNS resolver is set). */
export const RESOLVERS_NAME = 'dns';

export interface HaproxyView {
  pidFile: string;
  adminSocketPath: string;
  maxConnections: number;
  /** Per client address: open connections and new connections per second before a 429. */
  connectionsPerAddress: number;
  connectRatePerAddressPerS: number;
  threads: number;
  hardStopAfter: string;
  timeouts: {
    connect: string;
    client: string;
    server: string;
    tunnel: string;
    clientFin: string;
    httpRequest: string;
    httpKeepAlive: string;
    check: string;
  };
  /** `bind` line arguments: address plus TLS settings when on. */
  bind: string;
  statsBind: string;
  /** Paths the public frontend forwards (the WebSocket path, the health path). */
  publicPaths: string[];
  /** Path prefixes the internal listener forwards to the replicas (`/api/`, `/admin/`). */
  internalPrefixes: string[];
  statsPath: string;
  /** Balance and stickiness lines of the backend. */
  balanceLines: string[];
  healthPath: string;
  defaultServer: string;
  serverLines: string[];
  /** Lines of the `resolvers` section; empty: no section (names resolve once at start). */
  resolverLines: string[];
}

export function haproxyTemplate(view: HaproxyView): string {
  const t = view.timeouts;
  return `# Rendered by haproxy/render.ts from ProxyOptions. Do not edit by hand.
global
    pidfile ${view.pidFile}
    log stdout format raw local0 info
    maxconn ${view.maxConnections}
    nbthread ${view.threads}
    hard-stop-after ${view.hardStopAfter}
    stats socket ${view.adminSocketPath} mode 600 level admin expose-fd listeners
    stats timeout 30s
    ssl-default-bind-options ssl-min-ver TLSv1.2

defaults
    mode http
    log global
    option httplog
    option dontlognull
    option redispatch 1
    retries 2
    timeout connect ${t.connect}
    timeout client ${t.client}
    timeout server ${t.server}
    timeout tunnel ${t.tunnel}
    timeout client-fin ${t.clientFin}
    timeout http-request ${t.httpRequest}
    timeout http-keep-alive ${t.httpKeepAlive}
    timeout check ${t.check}

frontend ws_in
    bind ${view.bind}
    maxconn ${view.maxConnections}
    # Per client address: past either limit a request gets 429 (counted in
    # haproxy_frontend_requests_denied_total). The table holds one entry per address seen in 30 s.
    # The rate counts requests (one upgrade per WebSocket), incremented as each one is parsed:
    # conn_rate would count a burst's later connections against its first ones too.
    stick-table type ip size 100k expire 30s store conn_cur,http_req_rate(1s)
    tcp-request connection track-sc0 src
    http-request deny deny_status 429 if { sc0_conn_cur gt ${view.connectionsPerAddress} } || { sc0_http_req_rate gt ${view.connectRatePerAddressPerS} }
    option forwardfor
    http-request set-header X-Forwarded-Proto https if { ssl_fc }
    http-request set-header X-Forwarded-Proto http if !{ ssl_fc }
    # Only the WebSocket and health paths are public: /metrics, /api/*, /admin/* and anything
    # else get 404 from not_public (counted in haproxy_backend_http_requests_total{proxy="not_public"}).
    use_backend not_public unless { path ${view.publicPaths.join(' ')} }
    default_backend replicas

# The internal listener (its own port, for Prometheus and operators): the proxy's own metrics and
# stats page, the replicas' /api/* and /admin/*; 404 for anything else.
frontend stats
    bind ${view.statsBind}
    http-request set-log-level silent
    http-request use-service prometheus-exporter if { path /metrics }
    stats enable
    stats uri ${view.statsPath}
    stats refresh 5s
    stats show-legends
    stats hide-version
    use_backend replicas if { path_beg ${view.internalPrefixes.join(' ')} }
    default_backend not_found

backend not_public
    http-request return status 404 content-type text/plain string "not found"

backend not_found
    http-request return status 404 content-type text/plain string "not found"

${
  view.resolverLines.length === 0
    ? ''
    : `resolvers ${RESOLVERS_NAME}\n${view.resolverLines.map((line) => `    ${line}`).join('\n')}\n\n`
}backend replicas
${view.balanceLines.map((line) => `    ${line}`).join('\n')}
    option httpchk GET ${view.healthPath}
    http-check expect status 200
    default-server ${view.defaultServer}
${view.serverLines.map((line) => `    ${line}`).join('\n')}
`;
}
