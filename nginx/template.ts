/**
 * The Nginx 1.22 config template. `render.ts` derives every value from the
 * shared ProxyOptions; this file only lays them out. Knobs are explained in
 * nginx/README.md.
 */
export interface NginxView {
  runDir: string;
  pidFile: string;
  errorLogPath: string;
  /** `access_log` argument: a path plus format, or `off`. */
  accessLog: string;
  workers: number;
  workerRlimitNofile: number;
  workerConnections: number;
  workerShutdownTimeout: string;
  /** Per client address: open connections and new connections per second before a 429. */
  connectionsPerAddress: number;
  connectRatePerAddressPerS: number;
  timeouts: {
    connect: string;
    read: string;
    send: string;
    clientHeader: string;
    clientBody: string;
    keepAlive: string;
    nextUpstream: string;
  };
  /** `map` blocks the stickiness mode needs (before the upstream). */
  maps: string[];
  /** First line of the upstream block: the balancing method. */
  balance: string;
  serverLines: string[];
  listen: string;
  tlsLines: string[];
  /** Extra lines in the proxied location (the cookie mode's Set-Cookie). */
  locationExtras: string[];
  forwardedProto: string;
  statusListen: string;
  websocketPath: string;
  healthPath: string;
  /** Path prefixes the internal listener forwards to the replicas (`/api/`, `/admin/`). */
  internalPrefixes: string[];
  /** `access_log` of the public listener's 404s for paths it does not serve (the lab counts the lines). */
  notPublicLog: string;
}

const indent = (lines: string[], spaces: number): string =>
  lines.map((line) => `${' '.repeat(spaces)}${line}`).join('\n');

function forwardedHeaders(view: NginxView): string[] {
  return [
    'proxy_set_header Host $host;',
    'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    `proxy_set_header X-Forwarded-Proto ${view.forwardedProto};`,
  ];
}

export function nginxTemplate(view: NginxView): string {
  const t = view.timeouts;
  return `# Rendered by nginx/render.ts from ProxyOptions. Do not edit by hand.
daemon off;
master_process on;
worker_processes ${view.workers};
worker_rlimit_nofile ${view.workerRlimitNofile};
worker_shutdown_timeout ${view.workerShutdownTimeout};
pid ${view.pidFile};
error_log ${view.errorLogPath} notice;

events {
    worker_connections ${view.workerConnections};
}

http {
    default_type application/octet-stream;
    server_tokens off;
    log_format wslab '$remote_addr [$time_local] "$request" $status $bytes_sent '
                     'upstream=$upstream_addr connect=$upstream_connect_time total=$request_time';
    access_log ${view.accessLog};

    # Every temp path under the run dir: nothing under /var, no clash with a system nginx.
    client_body_temp_path ${view.runDir}/client_body_temp;
    proxy_temp_path ${view.runDir}/proxy_temp;
    fastcgi_temp_path ${view.runDir}/fastcgi_temp;
    uwsgi_temp_path ${view.runDir}/uwsgi_temp;
    scgi_temp_path ${view.runDir}/scgi_temp;

    client_header_timeout ${t.clientHeader};
    client_body_timeout ${t.clientBody};
    keepalive_timeout ${t.keepAlive};

    # Per client address: past either limit a request gets 429, logged at error level
    # ("limiting connections" / "limiting requests"): the lab counts those lines.
    limit_conn_zone $binary_remote_addr zone=wslab_conn_per_address:10m;
    limit_req_zone $binary_remote_addr zone=wslab_connect_rate_per_address:10m rate=${view.connectRatePerAddressPerS}r/s;
    limit_conn_status 429;
    limit_req_status 429;

    map $http_upgrade $connection_upgrade {
        default upgrade;
        '' close;
    }
${view.maps.map((block) => indent(block.split('\n'), 4)).join('\n')}
    upstream replicas {
        # Shared memory: least_conn counts and passive-check failures are seen by every worker.
        zone replicas 256k;
        ${view.balance}
${indent(view.serverLines, 8)}
    }

    server {
        listen ${view.listen};
${indent(view.tlsLines, 8)}
        limit_conn wslab_conn_per_address ${view.connectionsPerAddress};
        # One second's worth of burst, without delay: a reconnect wave is served at once.
        limit_req zone=wslab_connect_rate_per_address burst=${view.connectRatePerAddressPerS} nodelay;

        location = ${view.websocketPath} {
            proxy_pass http://replicas;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
${indent(forwardedHeaders(view), 12)}
            proxy_connect_timeout ${t.connect};
            # The tunnel's idle timeout and the wait for the upgrade response alike: derived from
            # the replicas' heartbeat (proxy/options.ts tunnelTimeoutMsFor).
            proxy_read_timeout ${t.read};
            proxy_send_timeout ${t.send};
            # A refused connect (killed replica), no upgrade response within proxy_read_timeout
            # (frozen replica: the kernel still accepts) or a 503 (draining, or without Redis) moves
            # the request to the next replica and counts a failure, so max_fails skips it.
            proxy_next_upstream error timeout http_503;
            proxy_next_upstream_tries 3;
            proxy_next_upstream_timeout ${t.nextUpstream};
            proxy_buffering off;
${indent(view.locationExtras, 12)}
        }

        location = ${view.healthPath} {
            proxy_pass http://replicas;
${indent(forwardedHeaders(view), 12)}
            proxy_connect_timeout ${t.connect};
        }

        # Only the WebSocket and health paths are public: /metrics, /api/*, /admin/* and anything
        # else get 404, one line each in their own log (the lab counts them).
        location / {
            access_log ${view.notPublicLog};
            return 404;
        }
    }

    # The internal listener (its own port, for Prometheus and operators): stub_status and the
    # replicas' /api/* and /admin/*; 404 for anything else.
    server {
        listen ${view.statusListen};
        access_log off;
        location = /stub_status {
            stub_status;
        }
${view.internalPrefixes
  .map(
    (prefix) => `        location ${prefix} {
            proxy_pass http://replicas;
${indent(forwardedHeaders(view), 12)}
            proxy_connect_timeout ${t.connect};
        }`,
  )
  .join('\n')}
        location / {
            return 404;
        }
    }
}
`;
}
