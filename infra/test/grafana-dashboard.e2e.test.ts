import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchText } from '../../observe/prometheus.js';
import { Topology } from '../../runtime/local/local-topology.js';
import { stopAll } from '../../runtime/managed-process.js';
import { closeSocket, connectHello } from '../../test-support/lab/helpers.js';
import { exportedMetricNames, stubStatusAsExporterMetrics } from '../../test-support/nginx-exporter.js';
import { queriedMetrics, wslabDashboard } from '../grafana/dashboard.js';
import { DASHBOARD_JSON_PATH, dashboardJson } from '../grafana/export.js';

let topology: Topology;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wslab-grafana-'));
  topology = await Topology.start({ proxy: 'both', replicas: 1, redisMode: 'single', logLevel: 'warn', dir });
});

afterAll(async () => {
  await topology?.stop();
  await stopAll();
  await rm(dir, { recursive: true, force: true });
});

describe('Grafana dashboard', () => {
  it('is committed as the builder makes it (npm run grafana:dashboard)', async () => {
    expect(JSON.parse(await readFile(DASHBOARD_JSON_PATH, 'utf8'))).toEqual(JSON.parse(dashboardJson()));
  });

  it('queries only metrics the real service, HAProxy and Nginx export', async () => {
    // a connection through each proxy, so per-server series exist
    const sockets = await Promise.all(
      (['haproxy', 'nginx'] as const).map((kind) => connectHello(topology.proxy(kind).wsUrl)),
    );
    try {
      const replica = await fetchText(`${topology.replicas[0]!.httpUrl}/metrics`);
      const haproxy = await fetchText(topology.proxy('haproxy').statsUrl);
      const nginx = await fetchText(topology.proxy('nginx').statsUrl);
      expect(replica && haproxy && nginx).toBeTruthy();
      const exported = new Set([
        ...exportedMetricNames(replica!),
        ...exportedMetricNames(haproxy!),
        ...Object.keys(stubStatusAsExporterMetrics(nginx!)),
      ]);
      const queried = queriedMetrics(wslabDashboard());
      // every part has panels
      for (const prefix of ['wslab_', 'haproxy_', 'nginx_', 'process_'])
        expect(
          queried.some((name) => name.startsWith(prefix)),
          prefix,
        ).toBe(true);
      expect(queried.filter((name) => !exported.has(name))).toEqual([]);
      // and the check can fail: a name no exporter has is caught
      expect(exported.has('haproxy_frontend_websockets_total')).toBe(false);
    } finally {
      await Promise.all(sockets.map(({ socket }) => closeSocket(socket)));
    }
  });
});
