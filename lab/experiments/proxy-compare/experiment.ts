import { compose } from '../check/checker.js';
import { validityChecker } from '../check/validity.js';
import type { Experiment } from '../experiment.js';
import { measureCases } from '../shared/cases.js';
import { loadParameters } from '../shared/load-parameters.js';
import { proxyCompareCases, REPLICAS } from './cases.js';
import { proxyCompareChecker } from './checker.js';
import { proxyCompareHeadline } from './headline.js';

/**
 * direct vs HAProxy vs Nginx at the same offered loads (the base one, then HIGHER_LOAD_FACTOR
 * times it), on one topology (both proxies in front of the same replicas): latency percentiles,
 * delivered/s, CPU of each component.
 */
export const proxyCompare: Experiment = {
  name: 'proxy-compare',
  title: 'Proxy comparison: direct vs HAProxy vs Nginx',
  question: 'What does each proxy add to fan-out latency and CPU at the same offered load?',
  async measure(context) {
    const { load, higherLoad, cases } = proxyCompareCases(context);
    return {
      parameters: {
        replicas: REPLICAS,
        redis: 'single',
        ...loadParameters(load),
        higherRatePerPublisher: higherLoad.ratePerPublisher ?? 0,
      },
      runs: await measureCases(context, cases),
      notes: [
        'All three paths share the same replicas and Redis; runs are sequential, so they see the same machine state.',
        'On 2 cores shared with the load generator, p99 moves by tens of ms between identical runs: trust p50 and CPU, repeat before reading p99 differences.',
      ],
    };
  },
  check: compose(validityChecker, proxyCompareChecker),
  headline: proxyCompareHeadline,
};
