import { defaultHeadline } from '../../report/default-headline.js';
import { compose } from '../check/checker.js';
import { validityChecker } from '../check/validity.js';
import type { Experiment } from '../experiment.js';
import { measureCases } from '../shared/cases.js';
import { loadParameters } from '../shared/load-parameters.js';
import { LOAD_SOURCE_ADDRESSES } from '../shared/measure.js';
import { MODES, REPLICAS, stickyCompareCases } from './cases.js';
import { stickyCompareChecker } from './checker.js';

/**
 * none / cookie / source / room stickiness behind HAProxy: how connections
 * spread, where a drained replica's clients land, Redis traffic (room
 * affinity should cut cross-replica fan-out) and per-message latency.
 */
export const stickyCompare: Experiment = {
  name: 'sticky-compare',
  title: 'Stickiness modes: none, cookie, source, room',
  question:
    'How does each stickiness mode spread connections and how much Redis fan-out traffic does it cause?',
  async measure(context) {
    const { load, cases } = stickyCompareCases(context);
    return {
      parameters: {
        replicas: REPLICAS,
        modes: MODES.join(','),
        sourceAddresses: LOAD_SOURCE_ADDRESSES,
        ...loadParameters(load),
      },
      runs: await measureCases(context, cases),
      notes: [
        `Source hashing on one machine: the load clients bind ${LOAD_SOURCE_ADDRESSES} loopback addresses (127.0.0.1 … 127.0.0.${LOAD_SOURCE_ADDRESSES}, round-robin), so the proxy hashes ${LOAD_SOURCE_ADDRESSES} distinct sources: a coarse spread, like clients behind ${LOAD_SOURCE_ADDRESSES} NATs.`,
        'Cookie mode: the load clients keep a cookie jar like browsers (the cookie arrives on the 101), so a reconnect returns to its replica while that replica is up; a drained replica’s clients are sent elsewhere and get a new cookie.',
        'Room mode: the load clients add ?room=<their room> to the URL, so a room’s subscribers and publisher share a replica.',
      ],
    };
  },
  check: compose(validityChecker, stickyCompareChecker),
  // the shared default: latency percentiles and each run's key figures
  headline: defaultHeadline,
};
