import type { BusState } from './bus/bus.js';
import type { Client } from './client.js';
import { CLOSES } from './contracts/protocol.js';
import { closeSpread } from './drain.js';
import type { Sender } from './sender.js';

/** A replica whose bus has been unready this long sheds its clients (they cannot get messages). */
export const BUS_LOSS_SHED_AFTER_MS = 1_000;
/** The shed's closes are spread over this long, so the reconnects land on the others in a ramp. */
export const BUS_LOSS_SHED_WINDOW_MS = 1_000;

export interface BusLossOptions {
  clients: ReadonlySet<Client>;
  /** Whether the bus is unready because Redis fell silent (Bus.silentFailure), read on each state change. */
  isSilentFailure: () => boolean;
  sender: Sender;
  onShed: (clients: number) => void;
  shedAfterMs?: number;
  shedWindowMs?: number;
}

/**
 * What a replica does when Redis falls silent after having answered — frozen, cut off, a dead
 * host: the health check's verdict (it cannot fan out: its clients would sit on open sockets and
 * receive nothing). `/readyz` already answers 503, which HAProxy's
 * active checks read; Nginx OSS has no active checks, so the replica also
 *  - refuses new upgrades with 503 (Nginx's `proxy_next_upstream http_503` then tries the next
 *    replica and counts a failure, so it skips this one for `fail_timeout`), and
 *  - after `shedAfterMs` still without Redis, closes its clients with CLOSES.busUnavailable (1013),
 *    spread over `shedWindowMs`: they reconnect elsewhere and resume with `since`.
 * A bus still connecting for the first time is not "lost": a replica starting up accepts clients.
 */
export class BusLossGuard {
  private hadBeenReady = false;
  private lost = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly shedAfterMs: number;
  private readonly shedWindowMs: number;

  constructor(private readonly options: BusLossOptions) {
    this.shedAfterMs = options.shedAfterMs ?? BUS_LOSS_SHED_AFTER_MS;
    this.shedWindowMs = options.shedWindowMs ?? BUS_LOSS_SHED_WINDOW_MS;
  }

  /** True while Redis, once reached, is unreachable: upgrades are refused. */
  get isLost(): boolean {
    return this.lost;
  }

  /** Feed every bus state change (and the initial state). */
  busOnState(state: BusState): void {
    if (state === 'ready') {
      this.hadBeenReady = true;
      this.lost = false;
      clearTimeout(this.timer);
      this.timer = undefined;
      return;
    }
    if (state === 'closed' || !this.hadBeenReady || this.lost) return;
    // A Redis that closed its connections (stopped, restarted) is gone for every replica alike:
    // shedding would only move clients between replicas that all wait for it (and, if it comes
    // back empty, make them miss what is published before they rejoin). Cut off silently, this
    // replica may be the only one without Redis.
    if (!this.options.isSilentFailure()) return;
    this.lost = true;
    this.timer = setTimeout(() => this.shed(), this.shedAfterMs);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private shed(): void {
    this.timer = undefined;
    if (!this.lost) return;
    const chosen = [...this.options.clients].filter((client) => !client.closing);
    this.options.onShed(chosen.length);
    void closeSpread(chosen, this.options.sender, {
      close: CLOSES.busUnavailable,
      windowMs: this.shedWindowMs,
    });
  }
}
