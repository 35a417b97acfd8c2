/**
 * The client side of connect_ramp for one shard: opens its share of idle connections at its
 * share of the rate, records handshake latency and failures, holds them until told to finish.
 */
import { roomName } from '../scenarios/layout.js';
import { ResilientClient } from './client.js';
import { nowMs } from './clock.js';
import { encodeHistogram, newHistogram, recordMs } from './histogram.js';
import { ShardCpu } from './shard-cpu.js';
import type { RampShardPlan, ShardPort, ShardReport } from './shard-protocol.js';
import { sourceAddressFor } from './source-addresses.js';

/** Idle clients spread over this many rooms (a room per client would measure room bookkeeping instead). */
const RAMP_ROOMS = 100;

export class RampShard {
  private readonly clients: ResilientClient[] = [];
  private readonly handshake = newHistogram();
  private readonly counters = { connections_opened: 0, connect_failures: 0, disconnects: 0 };
  private open = 0;
  private peakOpen = 0;
  private firstOpenAtMs = 0;
  private lastOpenAtMs = 0;
  private progressTimer: NodeJS.Timeout | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly cpu: ShardCpu;

  constructor(
    private readonly plan: RampShardPlan,
    private readonly port: ShardPort,
    reportsCpu: boolean,
  ) {
    this.cpu = new ShardCpu(reportsCpu);
  }

  async init(): Promise<void> {
    const { plan } = this;
    const spacingMs = plan.ratePerS > 0 ? 1_000 / plan.ratePerS : 0;
    const startAt = nowMs();
    this.progressTimer = setInterval(() => {
      this.port.post({
        type: 'progress',
        progress: {
          open: this.open,
          published: 0,
          delivered: 0,
          reconnects: 0,
          failures: this.counters.connect_failures,
        },
      });
    }, 1_000);
    const settled: Promise<void>[] = [];
    for (let i = 0; i < plan.count; i += 1) {
      const index = plan.firstIndex + i;
      settled.push(
        new Promise<void>((resolve) => {
          // Schedule against the start time so timer drift does not slow the ramp down.
          const timer = setTimeout(
            () => {
              this.timers.delete(timer);
              this.openOne(index).then(resolve);
            },
            Math.max(0, startAt + i * spacingMs - nowMs()),
          );
          this.timers.add(timer);
        }),
      );
    }
    await Promise.all(settled);
    this.port.post({
      type: 'ready',
      opened: this.counters.connections_opened,
      failures: this.counters.connect_failures,
      cpuUs: this.cpu.totalUs(),
    });
  }

  private async openOne(index: number): Promise<void> {
    const { plan } = this;
    const room = plan.params.joinRoom ? roomName(plan.runId, index % RAMP_ROOMS) : undefined;
    const localAddress = sourceAddressFor(plan.clients.sourceAddresses, index);
    const client = new ResilientClient({
      urls: plan.urls,
      urlIndex: index % plan.urls.length,
      ...(room === undefined ? {} : { stickyRoom: room }),
      cookies: plan.clients.cookies,
      ...(plan.clients.token === undefined ? {} : { token: plan.clients.token }),
      protocol: plan.clients.protocol ?? 'wslab',
      ...(localAddress === undefined ? {} : { localAddress }),
      backoff: { initialMs: 100, maxMs: 1_000 },
      handshakeTimeoutMs: plan.params.handshakeTimeoutMs,
      reconnect: false,
      listener: {
        onOpen: (handshakeMs) => {
          recordMs(this.handshake, handshakeMs);
          this.counters.connections_opened += 1;
          this.open += 1;
          if (this.open > this.peakOpen) this.peakOpen = this.open;
          this.lastOpenAtMs = nowMs();
          if (this.firstOpenAtMs === 0) this.firstOpenAtMs = this.lastOpenAtMs;
        },
        onTerminalClose: () => {
          this.counters.disconnects += 1;
          this.open -= 1;
        },
      },
    });
    this.clients.push(client);
    try {
      await client.start();
      if (room !== undefined) {
        const joined = client.join(room);
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('join timed out')), plan.params.handshakeTimeoutMs);
        });
        await Promise.race([joined, timeout]).finally(() => clearTimeout(timer));
      }
    } catch {
      this.counters.connect_failures += 1;
    }
  }

  finish(): void {
    this.stopAll();
    const report: ShardReport = {
      counters: {
        ...this.counters,
        ramp_first_open_at_ms: this.firstOpenAtMs,
        ramp_last_open_at_ms: this.lastOpenAtMs,
      },
      histograms: { handshake_ms: encodeHistogram(this.handshake) },
      timeline: [],
      outages: [],
      ...this.cpu.reportFields(),
      peakOpen: this.peakOpen,
    };
    this.port.post({ type: 'report', report });
  }

  stopAll(): void {
    if (this.progressTimer) clearInterval(this.progressTimer);
    this.progressTimer = null;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const client of this.clients) client.stop();
  }
}
