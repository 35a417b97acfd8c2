import { silentHeadline } from '../shared/silent-headline.js';

/** Seconds until the last client of the cut replica receives again, per proxy and cut. */
export const partitionHeadline = silentHeadline({
  xField: 'cut',
  xTitle: 'replicas cut off from Redis',
  sort: ['one', 'all'],
  file: 'headline-partition.svg',
  extraSeconds: [{ name: 'unready after (s)', metric: 'unreadyAfterMs' }],
  title:
    'Partition from Redis: seconds until every client of the cut replica receives again (bar: last, tick: p50; red: the 10 s bound)',
});
