import type WebSocket from 'ws';
import { openIdleSocket, terminateAll } from './idle-socket.js';

/** How one idle connection ended. */
export interface IdleOutcome {
  openedAtMs: number;
  /** undefined: still open at the end of the hold. */
  closedAtMs: number | undefined;
  closeCode: number | undefined;
}

export interface IdleRun {
  outcomes: IdleOutcome[];
  /** Open connections over time (from the start of the hold). */
  timeline: { tMs: number; connected: number }[];
  failedToOpen: number;
}

/**
 * Opens `count` WebSocket connections that never send anything (they do
 * answer pings: `ws` replies to pings automatically), holds them for
 * `holdMs`, and records which ones something closed, when, and with what code.
 * Measures whether idle connections outlive a proxy's idle timeout.
 */
export async function holdIdleConnections(
  url: string,
  options: { count: number; holdMs: number; sampleEveryMs?: number; token?: string },
): Promise<IdleRun> {
  const startedAtMs = Date.now();
  const sockets: WebSocket[] = [];
  const outcomes: IdleOutcome[] = [];
  let failedToOpen = 0;
  await Promise.all(
    Array.from({ length: options.count }, async () => {
      const socket = await openIdleSocket(url, {
        handshakeTimeoutMs: 5_000,
        ...(options.token === undefined ? {} : { token: options.token }),
      });
      if (!socket) {
        failedToOpen += 1;
        return;
      }
      const outcome: IdleOutcome = {
        openedAtMs: Date.now() - startedAtMs,
        closedAtMs: undefined,
        closeCode: undefined,
      };
      outcomes.push(outcome);
      sockets.push(socket);
      socket.once('close', (code) => {
        outcome.closedAtMs ??= Date.now() - startedAtMs;
        outcome.closeCode ??= code;
      });
    }),
  );
  const timeline: IdleRun['timeline'] = [];
  const sample = () =>
    timeline.push({
      tMs: Date.now() - startedAtMs,
      connected: outcomes.filter((o) => o.closedAtMs === undefined).length,
    });
  sample();
  const timer = setInterval(sample, options.sampleEveryMs ?? 250);
  await new Promise((resolve) => setTimeout(resolve, options.holdMs));
  clearInterval(timer);
  sample();
  // snapshot before closing: our own closes below are not the proxy's doing
  const result: IdleRun = {
    outcomes: outcomes.map((o) => ({ ...o })),
    timeline,
    failedToOpen,
  };
  await terminateAll(sockets);
  return result;
}
