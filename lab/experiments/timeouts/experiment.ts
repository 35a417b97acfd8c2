import { holdIdleConnections } from '../../../loadtests/idle/hold.js';
import { topologySampler } from '../../../observe/topology-sampler.js';
import { UsageRecorder } from '../../../observe/usage-recorder.js';
import type { ProxyKind } from '../../../topology/spec.js';
import { defaultHeadline } from '../../report/default-headline.js';
import type { RunResultInput } from '../../report/schema.js';
import { summarize } from '../../report/stats.js';
import { compose } from '../check/checker.js';
import { validityChecker } from '../check/validity.js';
import type { Experiment } from '../experiment.js';
import { withToken } from '../shared/measure.js';
import { withTopology } from '../shared/with-topology.js';
import { timeoutsChecker } from './checker.js';

/**
 * Idle WebSocket connections through each proxy with a short idle (tunnel)
 * timeout, with and without server pings: without pings the proxy cuts idle
 * connections at its timeout; pings shorter than the timeout keep them open.
 */
export const timeouts: Experiment = {
  name: 'timeouts',
  title: 'Idle timeouts: proxy tunnel timeout vs server pings',
  question: 'Do idle WebSocket connections survive the proxy idle timeout, with and without server pings?',
  async measure(context) {
    const short = context.mode === 'short';
    const tunnelTimeoutMs = short ? 2_000 : 5_000;
    const holdMs = tunnelTimeoutMs * 2 + 1_000;
    const clients = short ? 20 : 100;
    const runs: RunResultInput[] = [];
    for (const pingIntervalMs of [0, Math.round(tunnelTimeoutMs / 2)]) {
      const pings = pingIntervalMs > 0 ? `pings every ${pingIntervalMs} ms` : 'no pings';
      await withTopology(
        context,
        `timeouts-ping-${pingIntervalMs}`,
        {
          proxy: 'both',
          replicas: 2,
          redisMode: 'single',
          stickiness: 'none',
          proxyTunnelTimeoutMs: tunnelTimeoutMs,
          pingIntervalMs,
          // The question is the WebSocket pings: the application heartbeat would keep tunnels open too.
          heartbeatIntervalMs: 0,
        },
        async (topology) => {
          for (const kind of ['haproxy', 'nginx'] as ProxyKind[]) {
            const label = `${kind}, ${pings}`;
            context.progress.phase(`run ${label}: ${clients} idle clients for ${holdMs} ms`);
            // the topology's components only: the idle clients' CPU is not what this run measures
            const usage = new UsageRecorder(topologySampler(topology), (c) => c.kind !== 'load');
            await usage.start();
            const idle = await holdIdleConnections(topology.proxy(kind).wsUrl, {
              count: clients,
              holdMs,
              ...withToken(await topology.clientToken()),
            });
            const resources = await usage.stop();
            const closed = idle.outcomes.filter((o) => o.closedAtMs !== undefined);
            const lifetimes = closed.map((o) => (o.closedAtMs ?? 0) - o.openedAtMs);
            const lifetime = summarize(lifetimes);
            runs.push({
              label,
              parameters: { proxy: kind, pingIntervalMs, tunnelTimeoutMs, clients, holdMs },
              durationMs: holdMs,
              connectedTimeline: idle.timeline,
              events: [
                {
                  tMs: tunnelTimeoutMs,
                  kind: 'tunnel-timeout',
                  detail: `${tunnelTimeoutMs} ms idle timeout`,
                },
              ],
              metrics: {
                opened: idle.outcomes.length,
                survivedHold: idle.outcomes.length - closed.length,
                closedBeforeEnd: closed.length,
                ...(closed.length > 0 ? { lifetimeP50Ms: lifetime.p50, lifetimeMaxMs: lifetime.max } : {}),
                failedToOpen: idle.failedToOpen,
              },
              resources,
            });
          }
        },
      );
    }
    return {
      parameters: { tunnelTimeoutMs, holdMs, clients },
      runs,
      notes: [
        'Idle clients send nothing; the `ws` client answers server pings automatically, as browsers do.',
      ],
    };
  },
  check: compose(validityChecker, timeoutsChecker),
  // the shared default: latency percentiles and each run's key figures
  headline: defaultHeadline,
};
