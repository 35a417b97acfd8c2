import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { bearerHeader } from '../../app/src/contracts/client-token.js';

/** Where abusive clients aim: the proxy's listener. */
export interface AbuseTarget {
  host: string;
  port: number;
}

/** What a connect storm got back, per attempt. */
export interface StormCounts {
  attempts: number;
  /** 101 Switching Protocols: a WebSocket the replicas opened (closed again at once). */
  accepted: number;
  /** 429: a per-address limit of the proxy. */
  refused429: number;
  /** Any other HTTP status (503 from a capped replica, 502…). */
  refusedOther: number;
  /** Reset, refused at TCP, or no answer within the attempt timeout. */
  failed: number;
}

const UPGRADE_REQUEST = (host: string, port: number, token: string | undefined) =>
  `GET /ws HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  (token === undefined ? '' : `Authorization: ${bearerHeader(token).Authorization}\r\n`) +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

/** One raw upgrade attempt: the status code of the answer, or 0 when none came. */
function upgradeAttempt(
  target: AbuseTarget,
  localAddress: string,
  timeoutMs: number,
  token: string | undefined,
): Promise<number> {
  return new Promise((resolve) => {
    let settled = false;
    const socket: Socket = connect({ host: target.host, port: target.port, localAddress }, () =>
      socket.write(UPGRADE_REQUEST(target.host, target.port, token)),
    );
    const finish = (status: number) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(status);
    };
    socket.once('data', (chunk) =>
      finish(Number(/^HTTP\/1\.[01] (\d{3})/.exec(chunk.toString('latin1'))?.[1] ?? 0)),
    );
    socket.on('error', () => finish(0));
    socket.on('close', () => finish(0));
    socket.setTimeout(timeoutMs, () => finish(0));
  });
}

export interface StormOptions {
  target: AbuseTarget;
  /** The one source address every attempt comes from. */
  localAddress: string;
  attemptsPerS: number;
  durationMs: number;
  /** Attempts in flight at most (bounds this process's descriptors). Default 2000. */
  maxInFlight?: number;
  /**
   * A valid token of the deployment (`auth: jwt`): the storm is an abusive client, not a stranger,
   * so it is the proxy's per-address limits that must stop it, not the 401.
   */
  token?: string;
}

/**
 * A connect storm from one address: `attemptsPerS` raw upgrade requests per second for
 * `durationMs`, each closed as soon as its answer arrives. Bounded in count and time.
 */
export async function connectStorm(options: StormOptions): Promise<StormCounts> {
  const counts: StormCounts = { attempts: 0, accepted: 0, refused429: 0, refusedOther: 0, failed: 0 };
  const maxInFlight = options.maxInFlight ?? 2_000;
  const tickMs = 10;
  const pending = new Set<Promise<void>>();
  const startedAtMs = Date.now();
  // scheduled by elapsed time, so a late tick catches up instead of lowering the rate
  let scheduled = 0;
  while (Date.now() - startedAtMs < options.durationMs) {
    const due = Math.floor(((Date.now() - startedAtMs) / 1_000) * options.attemptsPerS);
    while (scheduled < due) {
      scheduled += 1;
      if (pending.size >= maxInFlight) continue; // over the bound: this attempt is skipped, not queued
      counts.attempts += 1;
      const attempt = upgradeAttempt(options.target, options.localAddress, 5_000, options.token).then(
        (status) => {
          if (status === 101) counts.accepted += 1;
          else if (status === 429) counts.refused429 += 1;
          else if (status === 0) counts.failed += 1;
          else counts.refusedOther += 1;
          pending.delete(attempt);
        },
      );
      pending.add(attempt);
    }
    await sleep(tickMs);
  }
  await Promise.all(pending);
  return counts;
}
