/** The example stacks test:docker deploys, in this order (single-redis last: it also takes the capped re-deploy). */
export const STACKS = ['haproxy', 'nginx', 'single-redis'] as const;

/**
 * The config keys of the capped re-deploy of single-redis: a different cap per component, so a cap
 * landing on the wrong container shows; enough for the service to start and serve under them.
 */
export const CAPS: Readonly<Record<string, string>> = {
  'wslab:replicaCpuCores': '0.5',
  'wslab:replicaMemoryMiB': '192',
  'wslab:redisCpuCores': '0.25',
  'wslab:redisMemoryMiB': '96',
  'wslab:proxyCpuCores': '0.75',
  'wslab:proxyMemoryMiB': '128',
};
