import { compose } from '../check/checker.js';
import { validityChecker } from '../check/validity.js';
import type { Experiment } from '../experiment.js';
import { measureCases } from '../shared/cases.js';
import { loadParameters } from '../shared/load-parameters.js';
import { LOAD_SOURCE_ADDRESSES } from '../shared/measure.js';
import { failoverReplicaCases, REPLICAS } from './cases.js';
import { failoverReplicaChecker } from './checker.js';
import { failoverReplicaHeadline } from './headline.js';

/**
 * Kill (SIGKILL) one replica under load, behind each proxy and stickiness
 * mode: reconnect time distribution, lost/duplicated/recovered messages, and
 * where the load sits before and after.
 */
export const failoverReplica: Experiment = {
  name: 'failover-replica',
  title: 'Replica failover: SIGKILL one replica under load',
  question:
    'How fast do clients of a killed replica come back, through which proxy, and is any message lost?',
  async measure(context) {
    const { load, killAtMs, cases } = failoverReplicaCases(context);
    return {
      parameters: { replicas: REPLICAS, killAtMs, ...loadParameters(load) },
      runs: await measureCases(context, cases),
      notes: [
        'Each run uses a fresh topology (Redis, 3 replicas, one proxy) and SIGKILLs the replica with the most connections a third into the publishing window.',
        `The load clients keep a cookie jar like browsers and bind ${LOAD_SOURCE_ADDRESSES} loopback source addresses (127.0.0.1 … 127.0.0.${LOAD_SOURCE_ADDRESSES}), so cookie and source stickiness place them as they would real clients: a killed replica’s clients move to another one and stay there.`,
      ],
    };
  },
  check: compose(validityChecker, failoverReplicaChecker),
  headline: failoverReplicaHeadline,
};
