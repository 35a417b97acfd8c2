import type { ExperimentResult } from '../schema.js';
import { defaultHeadline } from './default.js';
import { failoverReplicaHeadline } from './failover-replica.js';
import type { Headline } from './headline.js';
import { proxyCompareHeadline } from './proxy-compare.js';
import { scaleHeadline } from './scale.js';

/** Each experiment's headline by experiment name; the others get `defaultHeadline`. */
export const HEADLINES: Record<string, Headline> = {
  'failover-replica': failoverReplicaHeadline,
  'proxy-compare': proxyCompareHeadline,
  scale: scaleHeadline,
};

/** The headline of a result's experiment. */
export function headlineFor(result: Pick<ExperimentResult, 'experiment'>): Headline {
  return HEADLINES[result.experiment] ?? defaultHeadline;
}

export type { Better, FigureColumn, Headline, Verdict, VerdictRow } from './headline.js';
