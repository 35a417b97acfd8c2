import type { ProxyBackend, ProxyListen, ProxyOptionsInput, ProxyPaths } from '../proxy/options.js';
import { type TopologySpec, tunnelTimeoutMsOf } from './spec.js';

/** Where a proxy runs: the parts of its options that differ between Docker and the local lab. */
export interface ProxyPlacement {
  backends: ProxyBackend[];
  listen: ProxyListen;
  stats: ProxyListen;
  paths: Partial<ProxyPaths> & { runDir: string };
}

/** The placement-free part of the renderers' input: what the spec decides. */
export type ProxySettings = Omit<ProxyOptionsInput, 'backends' | 'listen' | 'stats' | 'paths'>;

/**
 * What the spec decides about a proxy: stickiness, timeouts, workers. Identical in the lab and
 * under Pulumi for the same spec (the byte-for-byte test compares these objects).
 */
export function proxySettings(spec: TopologySpec): ProxySettings {
  return {
    stickiness: spec.stickiness,
    // The tunnel timeout is derived from it when proxyTunnelTimeoutMs is unset (proxy/options.ts).
    heartbeatIntervalMs: spec.heartbeatIntervalMs,
    timeouts: {
      connectMs: spec.proxyConnectTimeoutMs,
      clientMs: spec.proxyClientTimeoutMs,
      serverMs: spec.proxyServerTimeoutMs,
      // Resolved here (not left to the renderers' default) so the lab and Pulumi render one number.
      tunnelMs: tunnelTimeoutMsOf(spec),
    },
    limits: {
      workers: spec.proxyWorkers,
      connectionsPerAddress: spec.proxyConnectionsPerAddress,
      connectRatePerAddressPerS: spec.proxyConnectRatePerAddressPerS,
    },
  };
}

/**
 * The shared renderers' input for a spec: the one mapping, used by the lab (`Topology`) and the
 * Pulumi program; placement (backends, listeners, paths) comes from the caller.
 */
export function proxyInput(spec: TopologySpec, placement: ProxyPlacement): ProxyOptionsInput {
  return {
    ...proxySettings(spec),
    backends: placement.backends,
    listen: placement.listen,
    stats: placement.stats,
    paths: placement.paths,
  };
}
