/**
 * The client half of the heartbeat (app/PROTOCOL.md, "Liveness"): a connection that has heard
 * no frame for `timeoutMs` is given up, because a frozen replica, a dead host or a cut link send
 * no FIN or RST and the socket would stay open and silent. One lazily re-armed timer per
 * connection (it fires about once per timeout, not per frame), and before giving up one more
 * I/O turn: a client whose own event loop was blocked reads the frames already waiting in its
 * socket first, so a busy load generator does not drop healthy connections.
 */
export class SilenceWatch {
  private timer: NodeJS.Timeout | null = null;
  private lastHeardAtMs = 0;
  private timeoutMs = 0;

  /** `onSilent` is called at most once per `start`. */
  constructor(
    private readonly onSilent: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts (or restarts) watching with the timeout the server announced; 0 = no heartbeat, no watch. */
  start(timeoutMs: number): void {
    this.stop();
    if (!(timeoutMs > 0)) return;
    this.timeoutMs = timeoutMs;
    this.lastHeardAtMs = this.now();
    this.arm(timeoutMs);
  }

  /** Any frame from the server. */
  heard(): void {
    this.lastHeardAtMs = this.now();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.timeoutMs = 0;
  }

  private arm(delayMs: number): void {
    this.timer = setTimeout(() => this.check(), Math.max(1, delayMs));
    this.timer.unref();
  }

  private check(): void {
    const leftMs = this.lastHeardAtMs + this.timeoutMs - this.now();
    if (leftMs > 0) {
      this.arm(leftMs);
      return;
    }
    // Let pending socket reads run (poll phase) before judging.
    setImmediate(() => {
      if (this.timer === null) return;
      const left = this.lastHeardAtMs + this.timeoutMs - this.now();
      if (left > 0) {
        this.arm(left);
        return;
      }
      this.timer = null;
      this.onSilent();
    });
  }
}
