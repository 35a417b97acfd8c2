import type { BusEvents } from './listeners.js';

/** A client whose reachability makes up the bus state: an ioredis Redis or Cluster (or a test double). */
export interface WatchedClient {
  readonly status: string;
  on(event: string, listener: () => void): unknown;
  off(event: string, listener: () => void): unknown;
}

export interface ConnectionStateOptions {
  /** Every client the bus needs (commands and subscriber). */
  clients: WatchedClient[];
  /** Holds the state and tells its listeners. */
  events: BusEvents;
  /** Re-subscribes every room and resolves once Redis confirmed (bounded by the caller). */
  resubscribe: () => Promise<void>;
  /** Called after a confirmed resubscribe: fetch what was published while away. */
  onResubscribed: () => void;
  /** Wait before trying a failed resubscribe again. Default RESYNC_RETRY_MS. */
  retryMs?: number;
  /** False while the health check gets no PONG (a silent failure the clients' status misses). */
  isHealthy?: () => boolean;
}

/** A failed resubscribe is tried again after this, not in a hot loop. */
export const RESYNC_RETRY_MS = 200;

const EVENTS = ['ready', 'connect', 'close', 'reconnecting', 'end'] as const;

/**
 * The bus state from its clients' reachability: 'connecting' until every
 * client is first ready, 'reconnecting' while any is not, and — after a drop —
 * 'ready' again only once Redis confirmed every room's subscription (ioredis's
 * own autoResubscribe fires after it emits `ready`; publishing in that gap
 * would miss this replica). 'closed' is set by the bus and is final.
 */
export class ConnectionState {
  /** Set when a client dropped after the bus had been ready: subscriptions must be confirmed again. */
  private needsResync = false;
  private resyncing = false;
  private readonly unwatchers: Array<() => void> = [];
  private readonly retryMs: number;

  constructor(private readonly options: ConnectionStateOptions) {
    this.retryMs = options.retryMs ?? RESYNC_RETRY_MS;
    for (const client of options.clients) this.watch(client);
    this.update();
  }

  /** Re-reads the clients and the health check (call when the health check changes). */
  refresh(): void {
    this.update();
  }

  /** Detaches from the clients (the caller owns and quits them). */
  detach(): void {
    for (const unwatch of this.unwatchers.splice(0)) unwatch();
  }

  private watch(client: WatchedClient): void {
    const update = (): void => this.update();
    for (const event of EVENTS) client.on(event, update);
    // Connection errors show in `state` (the service logs and exports it); without a listener
    // ioredis would print every failed reconnect attempt to stderr.
    const ignoreError = (): void => undefined;
    client.on('error', ignoreError);
    this.unwatchers.push(() => {
      for (const event of EVENTS) client.off(event, update);
      client.off('error', ignoreError);
    });
  }

  private update(): void {
    const { events } = this.options;
    if (events.state === 'closed') return;
    const allReady =
      this.options.clients.every((client) => client.status === 'ready') &&
      (this.options.isHealthy?.() ?? true);
    if (!allReady) {
      if (events.state === 'ready') this.needsResync = true;
      if (events.state !== 'connecting') events.setState('reconnecting');
      return;
    }
    if (this.needsResync) {
      this.resync();
      return;
    }
    events.setState('ready');
  }

  private resync(): void {
    if (this.resyncing) return;
    this.resyncing = true;
    this.options.resubscribe().then(
      () => {
        this.resyncing = false;
        this.needsResync = false;
        this.update();
        // Anything published while the subscriber was away is in history: fetch it now, not at the next publish.
        this.options.onResubscribed();
      },
      () => {
        this.resyncing = false;
        setTimeout(() => this.update(), this.retryMs).unref();
      },
    );
  }
}
