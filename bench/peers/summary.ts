/**
 * What `bench:peers` prints and saves from its turns: per target the median of every figure
 * over the repeats with its spread (min–max), the ratios the issue sets as targets, and a chart.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { StepResult } from './measure.js';
import type { PeerTarget } from './stacks.js';

/** One stack's turn: its search steps and its kill run. */
export interface Turn {
  target: PeerTarget;
  repeat: number;
  steps: StepResult[];
  maxSustainablePerS: number;
  /** Servers' RSS growth per idle connection (fresh servers, before any load). */
  idleBytesPerConnection: number | null;
  kill: StepResult | null;
}

export interface Spread {
  median: number | null;
  min: number | null;
  max: number | null;
}

export function spread(values: ReadonlyArray<number | null | undefined>): Spread {
  const known = values
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
    .sort((a, b) => a - b);
  if (known.length === 0) return { median: null, min: null, max: null };
  const mid = known.length >> 1;
  const median = known.length % 2 === 1 ? known[mid]! : (known[mid - 1]! + known[mid]!) / 2;
  return { median, min: known[0]!, max: known.at(-1)! };
}

/** `median (min–max)`, or the median alone when every repeat agreed. */
export function formatSpread(s: Spread, digits = 0): string {
  if (s.median === null) return 'n/a';
  const f = (v: number) => v.toLocaleString('en-US', { maximumFractionDigits: digits });
  return s.min === s.max ? f(s.median) : `${f(s.median)} (${f(s.min!)}–${f(s.max!)})`;
}

export interface TargetSummary {
  target: PeerTarget;
  repeats: number;
  maxSustainablePerS: Spread;
  /** By fixed load (deliveries/s): latency and CPU µs per delivery by component. */
  atLoad: Record<
    number,
    { p50Ms: Spread; p99Ms: Spread; servers: Spread; proxy: Spread; redis: Spread; runner: Spread }
  >;
  idleKiBPerConnection: Spread;
  killLostAcked: Spread;
  killUnacked: Spread;
}

export function summarise(turns: readonly Turn[], fixedLoads: readonly number[]): TargetSummary[] {
  const targets = [...new Set(turns.map((t) => t.target))];
  return targets.map((target) => {
    const mine = turns.filter((t) => t.target === target);
    const at = (load: number) => mine.map((t) => t.steps.find((s) => s.offeredPerS === load));
    const atLoad: TargetSummary['atLoad'] = {};
    for (const load of fixedLoads) {
      const steps = at(load);
      atLoad[load] = {
        p50Ms: spread(steps.map((s) => s?.p50Ms)),
        p99Ms: spread(steps.map((s) => s?.p99Ms)),
        servers: spread(steps.map((s) => s?.cpuUsPerDelivery.servers)),
        proxy: spread(steps.map((s) => s?.cpuUsPerDelivery.proxy)),
        redis: spread(steps.map((s) => s?.cpuUsPerDelivery.redis)),
        runner: spread(steps.map((s) => s?.cpuUsPerDelivery.runner)),
      };
    }
    const idle = mine.map((t) => t.idleBytesPerConnection);
    return {
      target,
      repeats: mine.length,
      maxSustainablePerS: spread(mine.map((t) => t.maxSustainablePerS)),
      atLoad,
      idleKiBPerConnection: spread(idle.map((b) => (typeof b === 'number' ? b / 1024 : null))),
      killLostAcked: spread(mine.map((t) => t.kill?.lost)),
      killUnacked: spread(mine.map((t) => t.kill?.unacked)),
    };
  });
}

/** The printed table: one row per target. */
export function summaryRows(
  summaries: readonly TargetSummary[],
  cpuLoads: readonly number[],
  latencyLoads: readonly number[],
): Array<Record<string, string>> {
  return summaries.map((s) => {
    const row: Record<string, string> = { target: s.target, 'max/s': formatSpread(s.maxSustainablePerS) };
    for (const load of cpuLoads) {
      const at = s.atLoad[load];
      const k = `${load / 1000}k`;
      row[`srv µs/d @${k}`] = at ? formatSpread(at.servers, 1) : 'n/a';
      row[`proxy µs/d @${k}`] = at ? formatSpread(at.proxy, 1) : 'n/a';
      row[`redis µs/d @${k}`] = at ? formatSpread(at.redis, 1) : 'n/a';
    }
    for (const load of latencyLoads) {
      const at = s.atLoad[load];
      const k = `${load / 1000}k`;
      row[`p50/p99 ms @${k}`] = at ? `${formatSpread(at.p50Ms, 1)} / ${formatSpread(at.p99Ms, 1)}` : 'n/a';
    }
    row['idle KiB/conn'] = formatSpread(s.idleKiBPerConnection, 1);
    row['kill: acked lost'] = formatSpread(s.killLostAcked);
    return row;
  });
}

export interface Ratio {
  name: string;
  value: number | null;
  /** The target, as text (`≥ 2`, `≤ 0.6`…). */
  goal: string;
  met: boolean | null;
}

const ratio = (a: number | null, b: number | null): number | null =>
  a === null || b === null || b === 0 ? null : Math.round((a / b) * 100) / 100;

/** The targets, wslab (history on) against Socket.IO classic and the ceiling. */
export function targetRatios(summaries: readonly TargetSummary[], cpuLoads: readonly number[]): Ratio[] {
  const of = (target: PeerTarget) => summaries.find((s) => s.target === target);
  const wslab = of('wslab');
  const sio = of('sio-redis');
  const ratios: Ratio[] = [];
  const push = (name: string, value: number | null, goal: string, ok: (v: number) => boolean) =>
    ratios.push({ name, value, goal, met: value === null ? null : ok(value) });
  if (wslab && sio) {
    push(
      'max sustainable, wslab / Socket.IO classic',
      ratio(wslab.maxSustainablePerS.median, sio.maxSustainablePerS.median),
      '≥ 2',
      (v) => v >= 2,
    );
    for (const load of cpuLoads) {
      push(
        `replica CPU per delivery at ${load / 1000}k/s, wslab / Socket.IO classic`,
        ratio(wslab.atLoad[load]?.servers.median ?? null, sio.atLoad[load]?.servers.median ?? null),
        '≤ 0.6',
        (v) => v <= 0.6,
      );
    }
    const sioMax = sio.maxSustainablePerS.median ?? 0;
    for (const [load, at] of Object.entries(wslab.atLoad)) {
      if (Number(load) > sioMax) continue;
      push(
        `p99 at ${Number(load) / 1000}k/s, wslab / Socket.IO classic`,
        ratio(at.p99Ms.median, sio.atLoad[Number(load)]?.p99Ms.median ?? null),
        '≤ 1',
        (v) => v <= 1,
      );
    }
    push(
      'idle memory per connection, wslab / Socket.IO classic',
      ratio(wslab.idleKiBPerConnection.median, sio.idleKiBPerConnection.median),
      '≤ 0.5',
      (v) => v <= 0.5,
    );
    push('acked loss on a replica SIGKILL, wslab', wslab.killLostAcked.median, '= 0', (v) => v === 0);
  }
  const direct = of('wslab-direct');
  const raw = of('raw');
  if (direct && raw) {
    push(
      'max sustainable, wslab direct / plain ws',
      ratio(direct.maxSustainablePerS.median, raw.maxSustainablePerS.median),
      '≥ 0.6',
      (v) => v >= 0.6,
    );
  }
  const baseline = of('wslab-baseline');
  if (wslab && baseline) {
    push(
      'max sustainable, wslab / baseline',
      ratio(wslab.maxSustainablePerS.median, baseline.maxSustainablePerS.median),
      '> 1',
      (v) => v > 1,
    );
    for (const load of cpuLoads) {
      push(
        `replica CPU per delivery at ${load / 1000}k/s, wslab / baseline`,
        ratio(wslab.atLoad[load]?.servers.median ?? null, baseline.atLoad[load]?.servers.median ?? null),
        '< 1',
        (v) => v < 1,
      );
    }
  }
  return ratios;
}

/** Max sustainable per target (median, whiskers min–max) and p99 against offered load. */
export function peersChart(turns: readonly Turn[], summaries: readonly TargetSummary[]): TopLevelSpec {
  const maxValues = summaries.map((s) => ({
    target: s.target,
    median: s.maxSustainablePerS.median,
    min: s.maxSustainablePerS.min,
    max: s.maxSustainablePerS.max,
  }));
  const p99Values = turns.flatMap((t) =>
    t.steps.map((s) => ({ target: t.target, repeat: t.repeat, offered: s.offeredPerS, p99: s.p99Ms })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    hconcat: [
      {
        title: 'max sustainable deliveries/s (0 lost, p99 ≤ 100 ms)',
        width: 320,
        height: 260,
        data: { values: maxValues },
        layer: [
          {
            mark: 'bar',
            encoding: {
              y: { field: 'target', type: 'nominal', sort: null },
              x: { field: 'median', type: 'quantitative', title: 'deliveries/s' },
            },
          },
          {
            mark: 'rule',
            encoding: {
              y: { field: 'target', type: 'nominal', sort: null },
              x: { field: 'min', type: 'quantitative' },
              x2: { field: 'max' },
            },
          },
        ],
      },
      {
        title: 'p99 delivery latency by offered load',
        width: 360,
        height: 260,
        data: { values: p99Values },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'offered', type: 'quantitative', title: 'offered deliveries/s' },
          y: { field: 'p99', type: 'quantitative', title: 'p99 ms', scale: { type: 'log' } },
          color: { field: 'target', type: 'nominal' },
          detail: { field: 'repeat', type: 'nominal' },
        },
      },
    ],
  };
}
