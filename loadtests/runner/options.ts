/** What a run is pointed at and how it runs. */
import type { ResourceStream } from '../../observe/samples.js';
import type { Threshold } from '../scenarios/thresholds.js';
import type { SourceAddresses } from './source-addresses.js';
import type { WireProtocol } from './wire.js';

/** Where the clients connect, and how to observe the server(s). */
export interface Target {
  /**
   * WebSocket URL(s): a replica (`ws://127.0.0.1:8080/ws`), a proxy, a Docker deployment.
   * With several, clients are spread over them and rotate through them when reconnecting.
   */
  url: string | readonly string[];
  /** Server process ids on this host: CPU and RSS read from /proc (preferred). */
  serverPids?: readonly number[];
  /** Prometheus endpoints of the servers (`http://…/metrics`), used when no pid is given. */
  metricsUrls?: readonly string[];
  /** Free-form name in the result (`haproxy`, `direct`, `raw-ws`). */
  label?: string;
  /**
   * The JWT every client offers (`Authorization: Bearer`, see app/src/contracts/client-token.ts),
   * for a deployment with `auth: jwt`. Passed to child shards over IPC, never in argv; never in the result.
   */
  token?: string;
}

export interface RunHooks {
  /** Every client is connected and joined; nothing published yet. */
  onReady?(): void | Promise<void>;
  /**
   * Publishing has started. The failover scenario's fault goes here (kill a replica, a Redis
   * master, a proxy): the run keeps publishing while the hook runs; its errors fail the run.
   */
  onPublishing?(): void | Promise<void>;
}

export interface RunOptions {
  /** Client shards: 'auto' (inline for small runs, child processes for large ones) or a count of child processes. */
  shards?: 'auto' | number;
  /** Run a single shard in this process instead of a child (tests, debugging). Default: auto. */
  inline?: boolean;
  /** Replace the scenario's thresholds. */
  thresholds?: readonly Threshold[];
  /** Progress line on stderr. Default: when stderr is a TTY and CI is unset. */
  progress?: boolean;
  hooks?: RunHooks;
  /**
   * Clients keep a per-client cookie jar like browsers: `Set-Cookie` of the upgrade response is
   * sent back in `Cookie` on every reconnect, so a proxy's cookie stickiness pins them. Default true.
   */
  cookies?: boolean;
  /** The server's protocol: `wslab` (default) or `socketio` (the peer benchmark's servers; see wire.ts). */
  protocol?: WireProtocol;
  /**
   * Spread clients over loopback source addresses so source-hash stickiness sees distinct clients:
   * a count N binds 127.0.0.1 … 127.0.0.N (1 to 254), or give 127.x.y.z addresses; client k uses
   * address k mod N. Targets must then be 127.x.y.z URLs. On lab hosts: the lab network's client
   * addresses (`topology.clientAddresses`), with lab host targets. Default 1: the OS picks.
   */
  sourceAddresses?: SourceAddresses;
  /**
   * Bound on the runner's own scheduling lag (p99 of actual − intended send time, per shard) above
   * which the run is marked invalid. Default SCHEDULING_LAG_P99_BOUND_MS (5 ms).
   */
  maxLagP99Ms?: number;
  /** Seed of the Poisson arrival gaps (recorded in the result). Default: a fresh random seed per run. */
  arrivalSeed?: number;
  /**
   * The caller's sample stream (the lab's one sampler of the run): the server probe reads
   * `serverPids` from its passes instead of polling /proc beside it. Default: none.
   */
  resources?: ResourceStream;
}

/** How every client of a run connects (what the shards need of the run options). */
export interface ClientSettings {
  cookies: boolean;
  /** Unset: wslab. */
  protocol?: WireProtocol;
  /** Addresses to bind round-robin; empty: the OS picks. */
  sourceAddresses: string[];
  /** The target's token (Target.token); unset: clients connect without one. */
  token?: string;
}

/** Clients per child process beyond which another process is used (fd limit 20 000 per process). */
export const CLIENTS_PER_SHARD = 9_000;
/** Below this many clients one inline shard is enough. */
export const INLINE_MAX_CLIENTS = 2_000;

export function targetUrls(target: Target): string[] {
  const urls = typeof target.url === 'string' ? [target.url] : [...target.url];
  if (urls.length === 0) throw new Error('target.url: at least one WebSocket URL is required');
  for (const url of urls) {
    if (!/^wss?:\/\//.test(url)) throw new Error(`target.url: not a ws:// or wss:// URL: ${url}`);
  }
  return urls;
}

/**
 * Offered deliveries per second from which a streaming run's publishers get a child process of
 * their own. A shard's event loop that also parses deliveries falls behind its send schedule
 * whenever a message's fan-out lands (50 deliveries at once): measured on 2 cores at 10 000
 * deliveries/s, one inline shard had a scheduling lag p99 of 4.4–6.1 ms and two mixed shards
 * 8–22 ms, above the 5 ms validity bound, while a publisher-only process only waits for a core.
 */
export const PUBLISHER_SHARD_MIN_DELIVERIES_PER_S = 2_000;

/** How a run's clients are spread over shards. */
export interface ShardLayout {
  count: number;
  /** One shard in the runner's own process (no child). */
  inline: boolean;
  /** Shard 0 holds every publisher and no subscriber; subscribers fill the others. */
  publisherShard: boolean;
}

/** What a streaming run offers, for the layout: who sends, who receives, how much. */
export interface StreamLoad {
  publishers: number;
  subscribers: number;
  deliveriesPerS: number;
}

/** How many shards, inline or not, and whether publishers get their own, for `clients` clients. */
export function shardLayout(clients: number, options: RunOptions, stream?: StreamLoad): ShardLayout {
  const isolate = (count: number) =>
    stream !== undefined &&
    count >= 2 &&
    stream.publishers > 0 &&
    stream.subscribers > 0 &&
    stream.deliveriesPerS >= PUBLISHER_SHARD_MIN_DELIVERIES_PER_S;
  if (typeof options.shards === 'number') {
    if (!Number.isInteger(options.shards) || options.shards < 1)
      throw new Error('shards: a positive integer');
    const inline = options.inline === true && options.shards === 1;
    return { count: options.shards, inline, publisherShard: isolate(options.shards) };
  }
  if (options.inline === true) return { count: 1, inline: true, publisherShard: false };
  if (stream !== undefined && options.inline !== false && isolate(2)) {
    const count = 1 + Math.max(1, Math.ceil(stream.subscribers / CLIENTS_PER_SHARD));
    return { count, inline: false, publisherShard: true };
  }
  if (clients <= INLINE_MAX_CLIENTS && options.inline !== false)
    return { count: 1, inline: true, publisherShard: false };
  const count = Math.max(2, Math.ceil(clients / CLIENTS_PER_SHARD));
  return { count, inline: false, publisherShard: isolate(count) };
}
