/** A connection the health check PINGs: an ioredis Redis (a Cluster contributes its master nodes). */
export interface PingTarget {
  readonly status: string;
  ping(): Promise<unknown>;
}

export interface HealthCheckOptions {
  /**
   * The connections to PING this round, in groups (re-read every round: a cluster's masters
   * change). A group passes when any of its connections answers; a round when every group passes.
   * Single Redis: `pub` and `sub` are a group each. Cluster: the masters are one group, so one
   * frozen master (the cluster fails it over; the other shards work) does not make the bus
   * unready, while a replica cut off from every node does.
   */
  targets: () => PingTarget[][];
  /** Pause between rounds while healthy. */
  intervalMs: number;
  /** A PING not answered within this fails the round. */
  timeoutMs: number;
  /** Consecutive failed rounds before the bus is unhealthy. */
  fall: number;
  /** Told on every change; starts healthy. */
  onChange: (healthy: boolean) => void;
}

export const HEALTH_CHECK_DEFAULTS = { intervalMs: 1_000, timeoutMs: 1_000, fall: 2 } as const;

/**
 * Bounded PINGs on every bus connection. A silent failure — Redis frozen (SIGSTOP), a cut or
 * blackholed link, a host that lost power — sends no FIN or RST: ioredis stays `ready` and its
 * commands wait in the socket for TCP's retransmission timeout (~15 min on Linux; TCP keepalive
 * does not help while data is unacknowledged, and Node cannot set TCP_USER_TIMEOUT). So the bus
 * asks: `fall` rounds in a row without every PONG within `timeoutMs` → unhealthy (the bus turns
 * unready, /readyz 503); the first complete round → healthy again. Worst case to notice:
 * intervalMs + fall × timeoutMs (3 s by default). When the link heals, TCP delivers what was
 * queued on the same connections: nothing is reconnected, nothing is lost.
 */
export class BusHealthCheck {
  private healthy = true;
  private failedRounds = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: HealthCheckOptions) {}

  get isHealthy(): boolean {
    return this.healthy;
  }

  start(): void {
    this.schedule(this.options.intervalMs);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.round(), delayMs);
    this.timer.unref();
  }

  private async round(): Promise<void> {
    // Only connections that are up: one that is down already makes the bus unready by itself.
    const groups = this.options
      .targets()
      .map((group) => group.filter((target) => target.status === 'ready'))
      .filter((group) => group.length > 0);
    const results = await Promise.all(
      groups.map(async (group) =>
        (await Promise.all(group.map((target) => pingWithin(target, this.options.timeoutMs)))).some(Boolean),
      ),
    );
    if (this.stopped) return;
    if (results.every(Boolean)) {
      this.failedRounds = 0;
      this.set(true);
      this.schedule(this.options.intervalMs);
      return;
    }
    this.failedRounds += 1;
    if (this.failedRounds >= this.options.fall) this.set(false);
    // The next round at once: a failed round has already waited timeoutMs.
    this.schedule(0);
  }

  private set(healthy: boolean): void {
    if (this.healthy === healthy) return;
    this.healthy = healthy;
    this.options.onChange(healthy);
  }
}

/**
 * True when the PONG arrived within `timeoutMs`. On timeout, one more I/O turn (setImmediate runs
 * after the poll phase) lets a reply that a blocked event loop has not read yet count: a busy
 * replica must not call a healthy Redis unreachable.
 */
function pingWithin(target: PingTarget, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(ok);
    };
    const timer = setTimeout(() => setImmediate(() => settle(false)), timeoutMs);
    timer.unref();
    target.ping().then(
      () => settle(true),
      () => settle(false),
    );
  });
}
