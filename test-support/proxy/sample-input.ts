import type { ProxyOptionsInput } from '../../proxy/options.js';

/** Two container-style backends: the input the renderer unit tests start from. */
export const SAMPLE_PROXY_INPUT: ProxyOptionsInput = {
  listen: { port: 8000 },
  stats: { port: 8404 },
  backends: [
    { id: 'r1', host: 'replica-1', port: 8080 },
    { id: 'r2', host: 'replica-2', port: 8080 },
  ],
  paths: { runDir: '/run/wslab' },
};
