import { defaultHeadline } from '../../report/default-headline.js';
import { compose } from '../check/checker.js';
import { validityChecker } from '../check/validity.js';
import type { Experiment } from '../experiment.js';
import { measureCases } from '../shared/cases.js';
import { fanoutModeCases } from './cases.js';
import { fanoutModeChecker } from './checker.js';

/**
 * The seed's one general channel (`broadcast`) vs per-room channels on one
 * Redis vs sharded pub/sub on a Redis Cluster, as rooms and replicas grow:
 * Redis output, replica CPU and latency at the same offered load.
 */
export const fanoutMode: Experiment = {
  name: 'fanout-mode',
  title: 'Fan-out mode: general channel vs per-room channels vs sharded pub/sub',
  question:
    'What does each cross-replica fan-out mode cost in Redis traffic and replica CPU as rooms and replicas grow?',
  async measure(context) {
    const { replicaSteps, roomSteps, cases } = fanoutModeCases(context);
    return {
      parameters: { replicaSteps: replicaSteps.join(','), roomSteps: roomSteps.join(',') },
      runs: await measureCases(context, cases),
      notes: [
        'Clients connect to the replicas directly (round robin by client index), so every room has members on every replica once rooms are few; per-room channels save most when rooms outnumber replicas.',
      ],
    };
  },
  check: compose(validityChecker, fanoutModeChecker),
  // the shared default: latency percentiles and each run's key figures
  headline: defaultHeadline,
};
