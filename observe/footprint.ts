import type { Topology } from '../runtime/local/local-topology.js';
import { countFds, processTree, readAllProcStats } from '../runtime/proc.js';
import { redisCli } from '../runtime/redis.js';
import { fetchText, metricValue } from './prometheus.js';

/** What one component holds at one moment: memory and descriptors (the leak suspects). */
export interface ComponentFootprint {
  component: string;
  kind: 'redis' | 'replica' | 'haproxy' | 'nginx';
  /** The component's main pid (a proxy's master; its workers are summed in). */
  pid: number;
  rssBytes: number;
  fds: number;
  /** Replicas: V8 heap in use (prom-client's nodejs_heap_size_used_bytes). */
  heapUsedBytes?: number;
  /** Redis: used_memory from INFO memory. */
  redisUsedMemoryBytes?: number;
}

/**
 * RSS and open descriptors of every running component (a proxy with its workers, old ones
 * draining after a reload included), plus each replica's heap and each Redis's used memory.
 */
export async function readFootprint(topology: Topology): Promise<ComponentFootprint[]> {
  const stats = await readAllProcStats();
  const components = topology.components();
  const roots = new Set(components.map((component) => component.pid));
  return Promise.all(
    components.map(async (component) => {
      const tree = processTree(component.pid, stats, roots);
      const fds = await Promise.all(tree.map((stat) => countFds(stat.pid)));
      const footprint: ComponentFootprint = {
        component: component.name,
        kind: component.kind,
        pid: component.pid,
        rssBytes: tree.reduce((sum, stat) => sum + stat.rssBytes, 0),
        fds: fds.reduce((sum, count) => sum + count, 0),
      };
      if (component.kind === 'replica' && component.adminUrl) {
        const text = await fetchText(`${component.adminUrl}/metrics`, 2_000);
        const heap = text ? metricValue(text, 'nodejs_heap_size_used_bytes') : undefined;
        if (heap !== undefined) footprint.heapUsedBytes = heap;
      }
      if (component.kind === 'redis') {
        const info = await redisCli(
          component.port,
          ['INFO', 'memory'],
          topology.redisPassword,
          component.address,
        ).catch(() => '');
        const match = info.match(/^used_memory:(\d+)/m);
        if (match) footprint.redisUsedMemoryBytes = Number(match[1]);
      }
      return footprint;
    }),
  );
}

/** Per-component figures for a run's metrics: `rssMiB.r1`, `fds.haproxy`, `heapMiB.r2`, `redisMemMiB.redis`. */
export function footprintMetrics(
  footprints: readonly ComponentFootprint[],
  suffix = '',
): Record<string, number> {
  const metrics: Record<string, number> = {};
  const mib = (bytes: number) => Math.round((bytes / 1_048_576) * 100) / 100;
  for (const footprint of footprints) {
    const name = `${footprint.component}${suffix}`;
    metrics[`rssMiB.${name}`] = mib(footprint.rssBytes);
    metrics[`fds.${name}`] = footprint.fds;
    if (footprint.heapUsedBytes !== undefined) metrics[`heapMiB.${name}`] = mib(footprint.heapUsedBytes);
    if (footprint.redisUsedMemoryBytes !== undefined)
      metrics[`redisMemMiB.${name}`] = mib(footprint.redisUsedMemoryBytes);
  }
  return metrics;
}

/**
 * Restarts: components whose pid changed or that stopped between two footprints (a proxy's
 * master keeps its pid across reloads, so a reload is not a restart).
 */
export function restartedComponents(
  before: readonly ComponentFootprint[],
  after: readonly ComponentFootprint[],
): string[] {
  return before
    .filter((first) => after.find((last) => last.component === first.component)?.pid !== first.pid)
    .map((first) => first.component);
}
