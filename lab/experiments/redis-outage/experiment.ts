import { setTimeout as sleep } from 'node:timers/promises';
import { readFootprint, restartedComponents } from '../../../observe/footprint.js';
import { ReadinessPoller } from '../../../observe/readiness.js';
import { waitFor } from '../../../runtime/wait-for.js';
import { defaultHeadline } from '../../report/default-headline.js';
import type { RunEvent, RunResultInput } from '../../report/schema.js';
import { compose } from '../check/checker.js';
import { validityChecker } from '../check/validity.js';
import type { Experiment } from '../experiment.js';
import { loadParameters } from '../shared/load-parameters.js';
import { describeLoad, streamLoad } from '../shared/load-sizes.js';
import { measureRun } from '../shared/measure.js';
import { withTopology } from '../shared/with-topology.js';
import { outageChecker } from './checker.js';

/**
 * Stop the single Redis under load, start it again after a while: readiness of each replica
 * over time, what publishers got while it was down, what subscribers got after it came back
 * (resume), and whether an acknowledged message was lost.
 */
export const redisOutage: Experiment = {
  name: 'redis-outage',
  title: 'Redis outage under load: stop the single Redis, start it again',
  question:
    'When Redis stops for a while under load, do replicas recover within seconds and is any acknowledged message lost?',
  async measure(context) {
    const short = context.mode === 'short';
    const downMs = short ? 3_000 : 20_000;
    const outageAtMs = short ? 2_000 : 5_000;
    const load = streamLoad(context, {
      durationMs: outageAtMs + downMs + (short ? 5_000 : 10_000),
      settleTimeoutMs: short ? 5_000 : 10_000,
    });
    const events: RunEvent[] = [];
    const readiness: Record<string, number> = {};
    let restarts: string[] = [];
    const run: RunResultInput = await withTopology(
      context,
      'redis-outage',
      { proxy: 'none', replicas: 2, redisMode: 'single' },
      async (topology) => {
        const before = await readFootprint(topology);
        const result = await measureRun({
          topology,
          label: `Redis down ${downMs / 1_000} s`,
          parameters: { replicas: 2, redis: 'single', downMs, load: describeLoad(load) },
          urls: topology.urls().direct,
          scenario: 'failover',
          load,
          faults: [
            {
              atMs: outageAtMs,
              fault: 'redis-outage',
              target: `the single Redis, for ${downMs} ms`,
              run: async (t) => {
                const startedAtMs = Date.now();
                const poller = new ReadinessPoller(t, startedAtMs);
                poller.start();
                const redis = t.redisSingle;
                if (!redis) throw new Error('redis-outage: needs the single Redis');
                // stop, stay down for downMs, start on the same port (resolves once it answers PING)
                await redis.restart({ downMs });
                const backAtMs = Date.now() - startedAtMs;
                await waitFor(() => poller.allReady(), {
                  timeoutMs: 60_000,
                  intervalMs: 100,
                  description: 'every replica ready again',
                }).catch(() => undefined);
                await sleep(500);
                await poller.stop();
                const after = poller.readyAfter(backAtMs);
                const unready = poller.unreadyMs();
                for (const slot of t.replicas) {
                  readiness[`readyAfterRedisBackMs.${slot.id}`] = after[slot.id] ?? Number.NaN;
                  readiness[`unreadyMs.${slot.id}`] = unready[slot.id] ?? 0;
                }
                events.push(...transitions(poller.points));
                return {
                  kind: 'redis-outage',
                  detail: `redis stopped, started again after ${downMs} ms (answered at ${backAtMs} ms)`,
                  figures: { redisDownMs: backAtMs, ...readiness },
                };
              },
            },
          ],
          progress: context.progress,
        });
        restarts = restartedComponents(before, await readFootprint(topology)).filter(
          (component) => component !== 'redis',
        );
        return result;
      },
    );
    const outageStart = run.events?.find((event) => event.kind === 'redis-outage')?.tMs ?? 0;
    run.events = [
      ...(run.events ?? []),
      ...events.map((event) => ({ ...event, tMs: event.tMs + outageStart })),
    ];
    return {
      parameters: { replicas: 2, downMs, outageAtMs, ...loadParameters(load) },
      runs: [run],
      restarted: restarts,
      notes: [
        'Redis runs without persistence (as in every lab topology): history written before the outage is gone after it, so resume across the outage can only repair what was published after Redis returned.',
        'Clients connect to the replicas directly; readiness is polled on /readyz every 250 ms.',
        'Cluster mode (stopping a master and its replica together) is not part of this experiment yet.',
      ],
    };
  },
  check: compose(validityChecker, outageChecker),
  // the shared default: latency percentiles and each run's key figures
  headline: defaultHeadline,
};

/** Readiness changes per replica as run events (`ready` / `unready`). */
function transitions(points: readonly { tMs: number; replica: string; ready: boolean }[]): RunEvent[] {
  const last = new Map<string, boolean>();
  const events: RunEvent[] = [];
  for (const point of points) {
    if (last.get(point.replica) === point.ready) continue;
    last.set(point.replica, point.ready);
    events.push({ tMs: point.tMs, kind: point.ready ? 'ready' : 'unready', detail: point.replica });
  }
  return events;
}
