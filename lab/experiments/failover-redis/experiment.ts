import { defaultHeadline } from '../../report/default-headline.js';
import { compose } from '../check/checker.js';
import { validityChecker } from '../check/validity.js';
import type { Experiment } from '../experiment.js';
import { measureCases } from '../shared/cases.js';
import { loadParameters } from '../shared/load-parameters.js';
import { failoverRedisCases, REPLICAS } from './cases.js';
import { failoverRedisChecker } from './checker.js';

/**
 * Kill the Redis Cluster master that owns a loaded room, with history on and
 * off: how long until publishing into that slot works again, and how many
 * messages are lost on the way.
 */
export const failoverRedis: Experiment = {
  name: 'failover-redis',
  title: 'Redis failover: SIGKILL the cluster master of a busy room',
  question: 'How long until publishing resumes after a Redis master dies, and what does history save?',
  async measure(context) {
    const { load, killAtMs, cases } = failoverRedisCases(context);
    return {
      parameters: { replicas: REPLICAS, killAtMs, clusterNodeTimeoutMs: 2_000, ...loadParameters(load) },
      runs: await measureCases(context, cases),
      notes: [
        'Redis Cluster: 3 masters + 3 replicas, cluster-node-timeout 2000 ms; clients connect to the replicas directly.',
        'publishResumeMs: time from the kill until POST /api/publish into a probe room on the same master succeeds.',
      ],
    };
  },
  check: compose(validityChecker, failoverRedisChecker),
  // the shared default: latency percentiles and each run's key figures
  headline: defaultHeadline,
};
