import { fetchText, metricValue } from '../../observe/prometheus.js';
import { isPortOpen } from '../../runtime/ports.js';
import { redisCli } from '../../runtime/redis.js';
import { markdownTable } from '../report/format.js';
import { isAlive } from './pids.js';
import { authLine, type LabState, type LabStateComponent } from './state.js';

export interface ComponentStatus {
  name: string;
  kind: string;
  pid: number;
  port: number;
  /** Lab host name (`hosts` > 1) and address, as `h2` and its address in LAB_HOST_BLOCK (topology/subnets.ts); `127.0.0.1` on one host. */
  where: string;
  alive: boolean;
  listening: boolean;
  /** ready / not ready / PONG / up… or why not. */
  health: string;
  /** Open client connections when the component reports them. */
  connections: number | undefined;
}

async function healthOf(
  component: LabStateComponent,
  redisPassword: string,
): Promise<{ health: string; connections?: number }> {
  switch (component.kind) {
    case 'replica': {
      const ready = await fetch(`${component.adminUrl}/readyz`, { signal: AbortSignal.timeout(1_000) })
        .then((response) => (response.ok ? 'ready' : `not ready (${response.status})`))
        .catch(() => 'no answer');
      const metrics = await fetchText(`${component.adminUrl}/metrics`, 1_000);
      const connections = metrics ? metricValue(metrics, 'wslab_connections_open') : undefined;
      return connections === undefined ? { health: ready } : { health: ready, connections };
    }
    case 'redis': {
      const pong = await redisCli(component.port, ['PING'], redisPassword, component.address).catch(
        () => 'no answer',
      );
      return { health: pong.trim() };
    }
    case 'nginx': {
      // stub_status: "Active connections: N"
      const text = await fetchText(component.adminUrl ?? '', 1_000);
      const match = text?.match(/Active connections:\s*(\d+)/);
      // minus one: the status request itself is an active connection
      return match
        ? { health: 'up', connections: Math.max(0, Number(match[1]) - 1) }
        : { health: text ? 'up' : 'no answer' };
    }
    case 'haproxy': {
      const text = await fetchText(component.adminUrl ?? '', 1_000);
      const connections = text
        ? metricValue(text, 'haproxy_frontend_current_sessions', 'proxy="ws_in"')
        : undefined;
      return connections === undefined
        ? { health: text ? 'up' : 'no answer' }
        : { health: 'up', connections };
    }
  }
}

/** Probes every recorded component: pid alive, port listening, health, connections. */
export async function statusOf(state: LabState): Promise<ComponentStatus[]> {
  return Promise.all(
    state.components.map(async (component) => {
      const alive = isAlive(component.pid);
      const address = component.address ?? '127.0.0.1';
      const listening = await isPortOpen(component.port, address);
      const { health, connections } =
        alive && listening
          ? await healthOf(component, state.redisPassword)
          : { health: alive ? 'not listening' : 'dead' };
      return {
        name: component.name,
        kind: component.kind,
        pid: component.pid,
        port: component.port,
        where: component.host === undefined ? address : `${component.host} ${address}`,
        alive,
        listening,
        health,
        connections,
      };
    }),
  );
}

/** The status table `wslab status` prints. */
export function formatStatus(state: LabState, statuses: ComponentStatus[]): string {
  const header =
    `lab supervisor pid ${state.supervisorPid} (${isAlive(state.supervisorPid) ? 'running' : 'gone'}), ` +
    `${state.detached ? 'detached' : 'foreground'}, since ${state.startedAt}\nauth: ${authLine(state)}`;
  const table = markdownTable(
    ['component', 'kind', 'pid', 'port', 'health', 'connections', 'host'],
    statuses.map((status) => [
      status.name,
      status.kind,
      String(status.pid),
      String(status.port),
      status.health,
      status.connections === undefined ? '–' : String(status.connections),
      status.where,
    ]),
  );
  return `${header}\n${table}`;
}
