import { describe, expect, it } from 'vitest';
import type { ProxyOptionsInput } from '../proxy/options.js';
import { SAMPLE_PROXY_INPUT } from '../test-support/proxy/sample-input.js';
import { renderNginxConfig } from './render.js';

const base: ProxyOptionsInput = SAMPLE_PROXY_INPUT;

describe('renderNginxConfig', () => {
  it('proxies the upgrade over HTTP/1.1 with the Connection map', () => {
    const text = renderNginxConfig(base);
    expect(text).toContain('proxy_http_version 1.1;');
    expect(text).toContain('map $http_upgrade $connection_upgrade');
    expect(text).toContain('proxy_set_header Connection $connection_upgrade;');
  });

  it('uses the tunnel timeout as the upgraded connection idle timeout', () => {
    const text = renderNginxConfig({ ...base, timeouts: { tunnelMs: 45_000 } });
    expect(text).toContain('proxy_read_timeout 45s;');
    expect(text).toContain('proxy_send_timeout 45s;');
    expect(text).toContain('worker_shutdown_timeout 30s;');
  });

  it("derives the tunnel and upgrade-response timeout from the replicas' heartbeat", () => {
    // Heartbeat 2 s → clients give up after 3 s; so does Nginx, on an idle tunnel and on an
    // upgrade sent to a frozen replica, which then moves on within the next-upstream budget.
    const text = renderNginxConfig(base);
    expect(text).toContain('proxy_read_timeout 3s;');
    expect(text).toContain('proxy_send_timeout 3s;');
    expect(text).toContain('proxy_next_upstream_timeout 7s;');
    expect(renderNginxConfig({ ...base, heartbeatIntervalMs: 0 })).toContain('proxy_read_timeout 60s;');
  });

  it('counts both sides of a proxied socket in worker_connections', () => {
    const text = renderNginxConfig(base);
    expect(text).toContain('worker_rlimit_nofile 20000;');
    expect(text).toContain('worker_connections 19800;');
  });

  it('keeps every path under the run dir and runs in the foreground', () => {
    const text = renderNginxConfig(base);
    expect(text).toContain('daemon off;');
    expect(text).toContain('pid /run/wslab/proxy.pid;');
    expect(text).toContain('error_log /run/wslab/error.log');
    expect(text).not.toMatch(/\/var\//);
    for (const temp of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
      expect(text).toContain(`${temp}_temp_path /run/wslab/${temp}_temp;`);
    }
  });

  it('serves /ws and /healthz publicly, everything else 404 in its own log; /api/ and /admin/ internally', () => {
    const text = renderNginxConfig(base);
    expect(text).toContain('location = /ws {');
    expect(text).toContain('location = /healthz {');
    expect(text).toMatch(
      /location \/ \{\n {12}access_log \/run\/wslab\/not-public\.log wslab;\n {12}return 404;/,
    );
    const internal = text.slice(text.indexOf('listen 127.0.0.1:8404'));
    expect(internal).toContain('location /api/ {');
    expect(internal).toContain('location /admin/ {');
  });

  it('marks servers failed passively and retries the next one on connect errors', () => {
    const text = renderNginxConfig(base);
    expect(text).toContain('server replica-1:8080 max_fails=1 fail_timeout=5s;');
    expect(text).toContain('proxy_next_upstream error timeout http_503;');
    expect(text).toContain('stub_status;');
  });

  it.each([
    ['none', 'least_conn;'],
    ['source', 'hash $remote_addr consistent;'],
    ['room', 'hash $wslab_room_key consistent;'],
    ['cookie', 'hash $wslab_sticky_key consistent;'],
  ] as const)('stickiness %s balances with %s', (stickiness, line) => {
    expect(renderNginxConfig({ ...base, stickiness })).toContain(line);
  });

  it('issues the sticky cookie itself in cookie mode (Nginx OSS has no sticky cookie)', () => {
    const text = renderNginxConfig({ ...base, stickiness: 'cookie' });
    expect(text).toContain("'' $request_id;");
    expect(text).toContain("'' 'WSLAB_SRV=$request_id; Path=/; HttpOnly; SameSite=Lax';");
    expect(text).toContain('add_header Set-Cookie $wslab_set_cookie always;');
  });

  it('hashes the room parameter, and a request without one on a per-request id', () => {
    const text = renderNginxConfig({ ...base, stickiness: 'room', roomParam: 'channel' });
    expect(text).toContain('map $arg_channel $wslab_room_key');
  });
});
