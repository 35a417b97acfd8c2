import { setTimeout as sleep } from 'node:timers/promises';
import { type ComponentFootprint, readFootprint, restartedComponents } from '../../../observe/footprint.js';
import type { Topology } from '../../../runtime/local/local-topology.js';
import { judgeTrend } from '../../collect/trend.js';
import { defaultHeadline } from '../../report/default-headline.js';
import type { RunResultInput } from '../../report/schema.js';
import { compose } from '../check/checker.js';
import { validityChecker } from '../check/validity.js';
import type { Experiment, ExperimentContext } from '../experiment.js';
import { loadParameters } from '../shared/load-parameters.js';
import { describeLoad, streamLoad } from '../shared/load-sizes.js';
import { LOAD_SOURCE_ADDRESSES, measureRun } from '../shared/measure.js';
import { withTopology } from '../shared/with-topology.js';
import { type SeriesKind, SOAK_THRESHOLDS, soakChecker } from './checker.js';

/** Duration, sampling, warm-up and reloads by mode (`--duration` overrides the duration). */
export function soakShape(context: Pick<ExperimentContext, 'mode' | 'durationMs'>) {
  const short = context.mode === 'short';
  const durationMs = context.durationMs ?? (short ? 60_000 : 600_000);
  return {
    durationMs,
    sampleEveryMs: short ? 3_000 : 10_000,
    // the first share of the run is warm-up: JIT, pools and history streams fill up
    warmupMs: Math.min(short ? 15_000 : 60_000, Math.round(durationMs / 4)),
    // every minute in full mode; twice in a short minute
    reloadEveryMs: short ? Math.max(10_000, Math.round(durationMs / 3)) : 60_000,
  };
}

interface Sample {
  tMs: number;
  footprints: ComponentFootprint[];
}

function seriesValue(footprint: ComponentFootprint, kind: SeriesKind): number | undefined {
  const mib = (bytes: number | undefined) => (bytes === undefined ? undefined : bytes / 1_048_576);
  switch (kind) {
    case 'rssMiB':
      return mib(footprint.rssBytes);
    case 'heapMiB':
      return mib(footprint.heapUsedBytes);
    case 'fds':
      return footprint.fds;
    case 'redisMemMiB':
      return mib(footprint.redisUsedMemoryBytes);
  }
}

/** Growth per 10 min after warm-up of each component's series, and which ones grow. */
export function soakTrends(samples: readonly Sample[], warmupMs: number) {
  const after = samples.filter((sample) => sample.tMs >= warmupMs);
  const metrics: Record<string, number> = {};
  const growing: string[] = [];
  const components = new Set(after.flatMap((sample) => sample.footprints.map((f) => f.component)));
  for (const component of components) {
    for (const kind of Object.keys(SOAK_THRESHOLDS) as SeriesKind[]) {
      const times: number[] = [];
      const values: number[] = [];
      for (const sample of after) {
        const footprint = sample.footprints.find((f) => f.component === component);
        const value = footprint && seriesValue(footprint, kind);
        if (value === undefined) continue;
        times.push(sample.tMs);
        values.push(value);
      }
      if (values.length < 2) continue;
      const trend = judgeTrend(times, values, SOAK_THRESHOLDS[kind]);
      if (!Number.isFinite(trend.growthPer10Min)) continue;
      metrics[`growthPer10Min.${kind}.${component}`] = Math.round(trend.growthPer10Min * 100) / 100;
      metrics[`mean.${kind}.${component}`] = Math.round(trend.mean * 100) / 100;
      if (trend.grows) growing.push(`${component} ${kind} +${trend.growthPer10Min.toFixed(2)}/10 min`);
    }
  }
  return { metrics, growing };
}

/** Samples footprints and reloads the proxy on schedule until `durationMs` has passed. */
async function soakSteps(topology: Topology, context: ExperimentContext, samples: Sample[]) {
  const shape = soakShape(context);
  const startedAtMs = Date.now();
  let nextReloadMs = shape.reloadEveryMs;
  let reloads = 0;
  // stop sampling a little before the load ends: the close at the end is no trend
  const endMs = shape.durationMs - shape.sampleEveryMs;
  while (Date.now() - startedAtMs < endMs) {
    const tMs = Date.now() - startedAtMs;
    samples.push({ tMs, footprints: await readFootprint(topology) });
    if (tMs >= nextReloadMs && nextReloadMs < endMs) {
      context.progress.phase(`soak: reload haproxy (${reloads + 1})`);
      await topology.reloadProxy('haproxy');
      reloads += 1;
      nextReloadMs += shape.reloadEveryMs;
    }
    await sleep(Math.max(0, startedAtMs + tMs + shape.sampleEveryMs - Date.now()));
  }
  return {
    kind: 'soak-sampling',
    detail: `${samples.length} samples, ${reloads} haproxy reloads`,
    figures: { reloads },
  };
}

/**
 * A long steady fan-out through HAProxy with a graceful reload every minute: memory, heap,
 * descriptors and Redis memory of every component sampled, their slope after warm-up judged
 * against a stated threshold, and every message accounted for.
 */
export const soak: Experiment = {
  name: 'soak',
  title: 'Soak: steady fan-out with proxy reloads and reconnect churn',
  question: 'Over a long run with reloads and reconnects, does any component grow, and is any message lost?',
  async measure(context) {
    const shape = soakShape(context);
    const load = streamLoad(context, {
      durationMs: shape.durationMs,
      subscribers: context.mode === 'short' ? 40 : 100,
      publishers: 4,
      ratePerPublisher: 10,
      sampleEveryMs: shape.sampleEveryMs,
    });
    const samples: Sample[] = [];
    let restarts: string[] = [];
    const run: RunResultInput = await withTopology(
      context,
      'soak',
      { proxy: 'haproxy', replicas: 2, redisMode: 'single' },
      async (topology) => {
        const before = await readFootprint(topology);
        const result = await measureRun({
          topology,
          label: `soak ${Math.round(shape.durationMs / 1_000)} s`,
          parameters: {
            proxy: 'haproxy',
            replicas: 2,
            load: describeLoad(load),
            reloadEveryMs: shape.reloadEveryMs,
          },
          urls: [topology.proxy('haproxy').wsUrl],
          // failover: clients reconnect with backoff and resume from their last offset
          scenario: 'failover',
          load,
          clients: { sourceAddresses: LOAD_SOURCE_ADDRESSES },
          faults: [
            {
              atMs: 0,
              fault: 'reload-proxy',
              target: `haproxy, every ${Math.round(shape.reloadEveryMs / 1_000)} s`,
              run: (t) => soakSteps(t, context, samples),
            },
          ],
          progress: context.progress,
        });
        restarts = restartedComponents(before, await readFootprint(topology));
        return result;
      },
    );
    const trends = soakTrends(samples, shape.warmupMs);
    run.metrics = { ...run.metrics, ...trends.metrics, samples: samples.length };
    return {
      parameters: { ...shape, ...loadParameters(load) },
      runs: [run],
      restarted: restarts,
      notes: [
        `Warm-up: the first ${shape.warmupMs / 1_000} s are left out of the slopes; samples every ${shape.sampleEveryMs / 1_000} s.`,
        'Thresholds per 10 min: RSS 10% of mean (≥ 4 MiB), heap 10% (≥ 2 MiB), fds 10% (≥ 10), Redis used_memory 10% (≥ 1 MiB).',
        'Churn: every reload leaves the open connections on the old worker until hard-stop-after (30 s), which then closes them; every client reconnects and resumes from its last offset, once per reload.',
        'Proxy RSS and fds include old workers still draining after a reload.',
      ],
    };
  },
  check: compose(validityChecker, soakChecker),
  // the shared default: latency percentiles and each run's key figures
  headline: defaultHeadline,
};
