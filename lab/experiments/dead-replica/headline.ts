import { silentHeadline } from '../shared/silent-headline.js';
import { DEATHS } from './cases.js';

/** Seconds until the last client of the dead replica receives again, per death × proxy × setting. */
export const deadReplicaHeadline = silentHeadline({
  xField: 'death',
  xTitle: 'how the replica died',
  sort: [...DEATHS],
  colorField: 'setting',
  file: 'headline-dead-replica.svg',
  title:
    'Dead replica: seconds until every one of its clients receives again (bar: last, tick: p50; red: the 10 s bound)',
});
