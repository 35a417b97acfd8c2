import { setTimeout as sleep } from 'node:timers/promises';
import { nowMs } from '../../../loadtests/runner/clock.js';
import { RoomWatch } from '../../../loadtests/runner/room-watch.js';
import { ConnectionsPoller, connectedTimeline } from '../../../observe/connections.js';
import { fetchText, metricValue } from '../../../observe/prometheus.js';
import { ReadinessPoller } from '../../../observe/readiness.js';
import type { Topology } from '../../../runtime/local/local-topology.js';
import type { ProxyKind, TopologySpecInput } from '../../../topology/spec.js';
import type { Nemesis } from '../../faults/silent.js';
import type { RunEvent, RunResultInput } from '../../report/schema.js';
import { summarize } from '../../report/stats.js';
import type { Progress } from '../../ui/progress.js';
import type { MeasureOptions } from './measure.js';

/**
 * The topology of every silent-fault experiment: both proxies (cookie stickiness) in front of two
 * replicas and one Redis, on four lab hosts (runtime/local/placement.ts: h1 the proxies, h2 Redis,
 * h3 r1, h4 r2), so a fault on one host hits one component; the lab's clients run on this machine
 * and reach them through the gateway. The publisher's 10 msg/s on one connection stay well inside
 * the publish limit.
 */
export const SILENT_SPEC = {
  hosts: 4,
  proxy: 'both',
  replicas: 2,
  redisMode: 'single',
  stickiness: 'cookie',
  publishRatePerS: 1_000,
  publishBurst: 1_000,
} as const satisfies TopologySpecInput;

/** The bound of issue 22: every client of a struck replica receives again within this. */
export const BACK_WITHIN_MS = 10_000;

/**
 * One run of a silent fault (dead-replica, partition, lossy-link): a RoomWatch (clients through
 * `proxy`, a publisher straight on `publisherReplica`), then the nemesis. How long it holds:
 * `until-back` heals once every client of the struck replica received again (or after `holdMs`),
 * `fixed` holds `holdMs` whatever happens (a partition or a lossy link an operator lives through).
 */
export interface SilentRunOptions {
  topology: Topology;
  label: string;
  parameters: MeasureOptions['parameters'];
  proxy: ProxyKind;
  /** The replica the fault hits (its clients are the ones measured), or undefined for a fault on a link. */
  struckReplica: string | undefined;
  publisherReplica: string;
  clients: number;
  nemesis: (topology: Topology) => Nemesis;
  hold: 'until-back' | 'fixed';
  holdMs: number;
  /** After the heal: how long struck clients not yet back may still take. */
  afterHealMs: number;
  /** Poll every replica's /readyz through the run (when the struck one turns unready). */
  readiness?: boolean;
  payloadBytes?: number;
  publishIntervalMs?: number;
  progress: Progress;
}

const ROOM = 'silent';

/**
 * Starts a RoomWatch with at least a quarter of its clients on the struck replica: a proxy that
 * still counts it down after the last run's fault (health checks rising, Nginx's fail_timeout)
 * gets up to 30 s to send clients there again.
 */
async function watchWithClientsOn(options: SilentRunOptions, token: string | undefined): Promise<RoomWatch> {
  const { topology } = options;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const watch = await RoomWatch.start({
      clientUrl: topology.proxy(options.proxy).wsUrl,
      publisherUrl: topology.replica(options.publisherReplica).wsUrl,
      clients: options.clients,
      room: ROOM,
      ...(token === undefined ? {} : { token }),
      ...(options.payloadBytes === undefined ? {} : { payloadBytes: options.payloadBytes }),
      ...(options.publishIntervalMs === undefined ? {} : { publishIntervalMs: options.publishIntervalMs }),
    });
    const struck = options.struckReplica;
    const enough = Math.ceil(options.clients / 4);
    if (struck === undefined || watch.clientsOn(struck).length >= enough || Date.now() > deadline)
      return watch;
    watch.stop();
    await sleep(1_000);
  }
}

export async function measureSilentRun(options: SilentRunOptions): Promise<RunResultInput> {
  const { topology, progress } = options;
  const startedAtMs = Date.now();
  const events: RunEvent[] = [];
  const event = (kind: string, detail: string) => {
    events.push({ tMs: Date.now() - startedAtMs, kind, detail });
    progress.event?.(kind, detail);
  };
  const poller = new ConnectionsPoller(
    () =>
      topology.replicas
        .filter((slot) => slot.handle?.process.running)
        .map((slot) => ({ id: slot.id, httpUrl: slot.httpUrl })),
    500,
    startedAtMs,
  );
  const readiness = options.readiness ? new ReadinessPoller(topology, startedAtMs) : undefined;
  const nemesis = options.nemesis(topology);
  let injected = false;
  const watch = await watchWithClientsOn(options, await topology.clientToken());
  const dropsBefore = await slowConsumerDrops(topology);
  try {
    poller.start();
    readiness?.start();
    const struck =
      options.struckReplica === undefined ? watch.members : watch.clientsOn(options.struckReplica);
    const placementBefore = watch.placement();
    event(
      'publishing',
      `${watch.members.length} clients through ${options.proxy}: ${describe(placementBefore)}`,
    );
    const faultAtMs = watch.markFault();
    const faultT = faultAtMs - startedAtMs;
    injected = true;
    const outcome = await nemesis.inject();
    event(outcome.kind, outcome.detail);
    if (options.hold === 'until-back') await watch.waitBack(struck, options.holdMs);
    else await sleep(options.holdMs);
    const healAtMs = nowMs();
    const healed = await nemesis.undo();
    injected = false;
    event(healed.kind, healed.detail);
    await watch.waitBack(struck, options.afterHealMs);
    await watch.finish(15_000);
    const back = watch.backFigures(struck, options.struckReplica ?? '');
    const known = back.backS.filter((value): value is number => value !== null).map((s) => s * 1000);
    // latency while the fault held: what a lossy or thin link costs
    const latency = summarize(watch.latenciesMs(faultAtMs, healAtMs));
    // a replica started again counts from 0
    const slowConsumersDropped = Math.max(0, (await slowConsumerDrops(topology)) - dropsBefore);
    const clients = watch.members.length;
    const acked = watch.acked.size;
    const lost = watch.ackedLost();
    const duplicated = watch.members.reduce((sum, member) => sum + member.duplicates, 0);
    const closes = Object.fromEntries(
      Object.entries(watch.closeCodes()).map(([code, count]) => [`closes.${code}`, count]),
    );
    const points = await poller.stop();
    const readinessPoints = (await readiness?.stop()) ?? [];
    const unready = readinessPoints.find(
      (point) => point.replica === options.struckReplica && !point.ready && point.tMs >= faultT,
    );
    if (unready)
      events.push({ tMs: unready.tMs, kind: 'unready', detail: `${unready.replica} /readyz not 200` });
    events.sort((a, b) => a.tMs - b.tMs);
    return {
      label: options.label,
      parameters: { ...options.parameters, proxy: options.proxy, clients: options.clients },
      durationMs: Date.now() - startedAtMs,
      clients,
      ...(latency.count > 0 ? { latencyMs: latency } : {}),
      messages: {
        published: acked,
        expected: acked * clients,
        delivered: acked * clients - lost,
        lost,
        duplicated,
        recovered: 0,
      },
      reconnectMs: known,
      connectedTimeline: connectedTimeline(points),
      connectionsPerReplica: points,
      events,
      metrics: {
        struckClients: back.struck,
        neverBack: back.neverBack,
        reconnectedOntoStruck: back.reconnectedOntoStruck,
        ...(back.maxBackS === null ? {} : { backMsMax: back.maxBackS * 1000 }),
        ...(known.length > 0 ? { backMsP50: summarize(known).p50 } : {}),
        ackedLost: lost,
        acked,
        publishErrors: watch.publishErrors,
        slowConsumersDropped,
        silentDrops: watch.members.reduce((sum, member) => sum + member.client.silentDrops, 0),
        ...(unready ? { unreadyAfterMs: unready.tMs - faultT } : {}),
        ...closes,
        ...outcomeFigures(outcome.figures, healed.figures),
      },
    };
  } finally {
    if (injected) await nemesis.undo().catch(() => undefined);
    watch.stop();
    await poller.stop();
    await readiness?.stop();
  }
}

/** wslab_slow_consumers_dropped_total summed over the replicas that answer. */
async function slowConsumerDrops(topology: Topology): Promise<number> {
  const counts = await Promise.all(
    topology.replicas.map(async (slot) => {
      const text = await fetchText(`${slot.httpUrl}/metrics`, 1_000);
      return text ? (metricValue(text, 'wslab_slow_consumers_dropped_total') ?? 0) : 0;
    }),
  );
  return counts.reduce((sum, count) => sum + count, 0);
}

function describe(placement: Record<string, number>): string {
  return Object.entries(placement)
    .map(([replica, count]) => `${count} on ${replica}`)
    .join(', ');
}

function outcomeFigures(...figures: Record<string, number>[]): Record<string, number> {
  return Object.fromEntries(
    figures.flatMap((entry) => Object.entries(entry)).filter(([, value]) => Number.isFinite(value)),
  );
}
