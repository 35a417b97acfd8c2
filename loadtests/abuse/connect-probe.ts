import { setTimeout as sleep } from 'node:timers/promises';
import { openIdleSocket } from '../idle/idle-socket.js';
import { newHistogram, recordMs, summarise } from '../runner/histogram.js';

export interface ConnectProbeSummary {
  attempts: number;
  failures: number;
  /** Upgrade time (request to open) of the successful attempts. */
  p50Ms: number;
  p99Ms: number;
}

/**
 * A well-behaved client that keeps connecting: one WebSocket every `everyMs` from
 * `localAddress`, timed to open, then closed. Stops after `durationMs`.
 */
export async function connectProbe(options: {
  url: string;
  localAddress: string;
  everyMs: number;
  durationMs: number;
  token?: string;
}): Promise<ConnectProbeSummary> {
  const upgradeMs = newHistogram();
  let failures = 0;
  let attempts = 0;
  const startedAtMs = Date.now();
  const inFlight: Promise<void>[] = [];
  while (Date.now() - startedAtMs < options.durationMs) {
    attempts += 1;
    const openStartMs = performance.now();
    inFlight.push(
      openIdleSocket(options.url, {
        localAddress: options.localAddress,
        handshakeTimeoutMs: 5_000,
        ...(options.token === undefined ? {} : { token: options.token }),
      }).then((socket) => {
        if (!socket) {
          failures += 1;
          return;
        }
        recordMs(upgradeMs, performance.now() - openStartMs);
        socket.close();
      }),
    );
    await sleep(options.everyMs);
  }
  await Promise.all(inFlight);
  const summary = summarise(upgradeMs);
  upgradeMs.destroy();
  const none = summary.count === 0;
  return {
    attempts,
    failures,
    p50Ms: none ? Number.NaN : summary.p50,
    p99Ms: none ? Number.NaN : summary.p99,
  };
}
