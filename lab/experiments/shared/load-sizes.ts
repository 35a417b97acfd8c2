import type { StreamParams } from '../../../loadtests/scenarios/definition.js';
import type { ExperimentContext } from '../experiment.js';

/**
 * The offered load of a streaming run by mode, with the experiment's arrival model. Short:
 * seconds, enough clients to exercise every path (CI, 2 shared cores). Full: long enough for
 * stable percentiles on this kind of machine, still well under a minute per run.
 */
export function streamLoad(
  context: Pick<ExperimentContext, 'mode' | 'arrivals'>,
  overrides: Partial<StreamParams> = {},
): Partial<StreamParams> {
  const base: Partial<StreamParams> =
    context.mode === 'short'
      ? {
          publishers: 4,
          subscribers: 40,
          rooms: 4,
          ratePerPublisher: 10,
          durationMs: 3_000,
          settleTimeoutMs: 3_000,
          sampleEveryMs: 500,
          backoffInitialMs: 100,
          backoffMaxMs: 1_000,
        }
      : {
          publishers: 8,
          subscribers: 200,
          rooms: 8,
          ratePerPublisher: 20,
          durationMs: 12_000,
          settleTimeoutMs: 5_000,
          sampleEveryMs: 1_000,
          backoffInitialMs: 100,
          backoffMaxMs: 2_000,
        };
  return { ...base, arrivals: context.arrivals, ...overrides };
}

/** A short text for the offered load (the `load` parameter of a run). */
export function describeLoad(load: Partial<StreamParams>): string {
  const rate = (load.publishers ?? 0) * (load.ratePerPublisher ?? 0);
  return `${rate} msg/s → ${load.subscribers} subs`;
}
