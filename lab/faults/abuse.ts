import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { bearerHeader } from '../../app/src/contracts/client-token.js';
import { summarize } from '../report/stats.js';

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
   * A valid token of the topology (`auth: jwt`): the storm is an abusive client, not a stranger,
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

export interface SlowlorisCounts {
  opened: number;
  /** Closed by the proxy before the end (its request-head timeout). */
  closedByProxy: number;
  /** Still open when the dribbling stopped: the proxy did not cut them. */
  stillOpen: number;
  /** Longest time a dribbling connection was kept, in ms. */
  longestHeldMs: number;
}

/**
 * Slowloris: `connections` upgrade requests from one address whose headers never end, one more
 * header line every `dribbleEveryMs`, for at most `durationMs`. A proxy with a request-head
 * timeout closes them; every socket is closed at the end.
 */
export async function slowloris(options: {
  target: AbuseTarget;
  localAddress: string;
  connections: number;
  dribbleEveryMs: number;
  durationMs: number;
}): Promise<SlowlorisCounts> {
  const startedAtMs = Date.now();
  const counts: SlowlorisCounts = { opened: 0, closedByProxy: 0, stillOpen: 0, longestHeldMs: 0 };
  const sockets = new Set<Socket>();
  let stopping = false;
  for (let index = 0; index < options.connections; index += 1) {
    const socket = connect(
      { host: options.target.host, port: options.target.port, localAddress: options.localAddress },
      () => {
        counts.opened += 1;
        socket.write(`GET /ws HTTP/1.1\r\nHost: ${options.target.host}\r\nUpgrade: websocket\r\n`);
      },
    );
    const openedAtMs = Date.now();
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      if (stopping) return;
      counts.closedByProxy += 1;
      counts.longestHeldMs = Math.max(counts.longestHeldMs, Date.now() - openedAtMs);
    });
  }
  let line = 0;
  while (Date.now() - startedAtMs < options.durationMs && sockets.size > 0) {
    await sleep(options.dribbleEveryMs);
    line += 1;
    for (const socket of sockets) if (socket.writable) socket.write(`X-Dribble-${line}: ${line}\r\n`);
  }
  stopping = true;
  counts.stillOpen = sockets.size;
  if (counts.stillOpen > 0) counts.longestHeldMs = Date.now() - startedAtMs;
  for (const socket of sockets) socket.destroy();
  return counts;
}

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
  const samples: number[] = [];
  let failures = 0;
  let attempts = 0;
  const startedAtMs = Date.now();
  const inFlight: Promise<void>[] = [];
  while (Date.now() - startedAtMs < options.durationMs) {
    attempts += 1;
    inFlight.push(
      new Promise<void>((settle) => {
        let settled = false;
        const resolve = () => {
          settled = true;
          settle();
        };
        const fail = () => {
          if (settled) return;
          failures += 1;
          resolve();
        };
        const openStartMs = performance.now();
        const socket = new WebSocket(options.url, {
          localAddress: options.localAddress,
          handshakeTimeout: 5_000,
          headers: options.token === undefined ? {} : bearerHeader(options.token),
        });
        socket.once('open', () => {
          samples.push(performance.now() - openStartMs);
          socket.close();
          resolve();
        });
        socket.once('unexpected-response', () => {
          fail();
          socket.terminate();
        });
        socket.on('error', fail);
      }),
    );
    await sleep(options.everyMs);
  }
  await Promise.all(inFlight);
  const summary = samples.length > 0 ? summarize(samples) : undefined;
  return { attempts, failures, p50Ms: summary?.p50 ?? Number.NaN, p99Ms: summary?.p99 ?? Number.NaN };
}

/** What the attacker process does: a storm and slowloris from one address, side by side. */
export interface AttackerPlan {
  target: AbuseTarget;
  localAddress: string;
  attemptsPerS: number;
  stormMs: number;
  slowlorisConnections: number;
  /** How long slowloris dribbles: longer than the proxy's request-head timeout, to see it cut. */
  slowlorisMs: number;
}

export interface AttackerResult {
  storm: StormCounts;
  slowloris: SlowlorisCounts;
}

export async function runAttacker(plan: AttackerPlan, token?: string): Promise<AttackerResult> {
  const [storm, loris] = await Promise.all([
    connectStorm({
      ...(token === undefined ? {} : { token }),
      target: plan.target,
      localAddress: plan.localAddress,
      attemptsPerS: plan.attemptsPerS,
      durationMs: plan.stormMs,
    }),
    slowloris({
      target: plan.target,
      localAddress: plan.localAddress,
      connections: plan.slowlorisConnections,
      dribbleEveryMs: 1_000,
      durationMs: plan.slowlorisMs,
    }),
  ]);
  return { storm, slowloris: loris };
}
