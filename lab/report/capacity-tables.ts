import type { Capacity } from './capacity-schema.js';
import { formatNumber } from './format.js';

/** A table in the shape of report/tables.ts's ReportTable (kept structural: no import cycle). */
interface Table {
  title: string;
  header: string[];
  rows: string[][];
}

const percent = (fraction: number | null | undefined) =>
  fraction === null || fraction === undefined ? '–' : `${(fraction * 100).toFixed(0)}%`;

/** Scale's capacity tables: per replica count, every load step, and the model's unit costs. */
export function capacityTables(capacity: Capacity | undefined): Table[] {
  if (!capacity) return [];
  const mark = capacity.capped ? '' : ' (UNCAPPED: no cgroup was usable)';
  const tables: Table[] = [
    {
      title: `Max sustainable delivered rate per replica count${mark}`,
      header: [
        'replicas',
        'max sustainable deliveries/s',
        'bracket (offered/s: passing – failing)',
        'efficiency',
        'limiting component',
        'throttled periods',
        'model prediction',
      ],
      rows: capacity.perReplicaCount.map((row) => [
        String(row.replicas),
        row.notMeasured === undefined
          ? formatNumber(row.maxSustainedDeliveriesPerS)
          : `${formatNumber(row.maxSustainedDeliveriesPerS)} (${row.notMeasured})`,
        row.bracket
          ? `${formatNumber(row.bracket.passingPerS)} – ${row.bracket.failingPerS === null ? 'none failed' : formatNumber(row.bracket.failingPerS)}`
          : '–',
        percent(row.efficiency),
        row.limiting,
        percent(row.throttledShare),
        row.predictedDeliveriesPerS === undefined
          ? 'fitted on this'
          : `${formatNumber(row.predictedDeliveriesPerS)}${
              capacity.heldOut?.replicas === row.replicas
                ? ` (${capacity.heldOut.errorPercent >= 0 ? '+' : ''}${capacity.heldOut.errorPercent.toFixed(0)}%)`
                : ''
            }`,
      ]),
    },
    {
      title: `Load steps (CPU as a share of each component's limit)${mark}`,
      header: [
        'replicas',
        'offered/s',
        'delivered/s',
        'p99 (ms)',
        'lost',
        'replica',
        'Redis',
        'HAProxy',
        'load gen.',
        'machine',
        'other processes',
        'limiting',
        'throttled',
        'sustainable',
      ],
      rows: capacity.steps.map((step) => [
        String(step.replicas),
        formatNumber(step.offeredDeliveriesPerS),
        formatNumber(step.deliveredPerS),
        formatNumber(step.p99Ms ?? undefined),
        String(step.lost),
        percent(step.utilization.replica),
        percent(step.utilization.redis),
        percent(step.utilization.proxy),
        percent(step.utilization.load),
        percent(step.utilization.machine),
        percent(step.utilization.others),
        step.limiting,
        step.throttle && step.throttle.periods > 0
          ? `${percent(step.throttle.throttledPeriods / step.throttle.periods)} (${formatNumber(step.throttle.throttledS * 1000)} ms)`
          : '–',
        `${step.sustainable ? 'yes' : `no: ${step.failures.join(', ')}`}${step.repeated ? ' (repeated)' : ''}`,
      ]),
    },
  ];
  if (capacity.budget) {
    const { budget } = capacity;
    const per1k = budget.cpuMsPer1kDeliveries;
    tables.push({
      title: `Budget: CPU-ms per 1000 deliveries at ${formatNumber(budget.calibrationOfferedPerS)}/s on one replica, and the cap it chose`,
      header: [
        'replica',
        'Redis',
        'HAProxy',
        'load generator',
        'cap per replica',
        'machine-bound (not measured)',
      ],
      rows: [
        [
          formatNumber(per1k.replica),
          formatNumber(per1k.redis),
          formatNumber(per1k.proxy),
          `${formatNumber(per1k.load)} (${per1k.replica > 0 ? (per1k.load / per1k.replica).toFixed(2) : '–'}× the replica)`,
          `${budget.replicaCpuCores} CPU (all counts in ${percent(budget.machineShare)} of the machine)`,
          budget.machineBound.length > 0 ? budget.machineBound.join(', ') : 'none',
        ],
      ],
    });
  }
  if (capacity.cfsPeriods && capacity.cfsPeriods.length > 0) {
    tables.push({
      title: `The same quota (${capacity.limits.replicaCpuCores} CPU per replica) in two CFS periods`,
      header: ['CFS period', 'replicas', 'offered/s', 'p99 (ms)', 'throttled periods', 'throttled time (ms)'],
      rows: capacity.cfsPeriods.map((run) => [
        `${formatNumber(run.periodUs / 1000)} ms`,
        String(run.replicas),
        formatNumber(run.offeredDeliveriesPerS),
        formatNumber(run.p99Ms ?? undefined),
        percent(run.throttledShare),
        formatNumber(run.throttledS * 1000),
      ]),
    });
  }
  if (capacity.baselineRunsPerS && capacity.baselineRunsPerS.length > 1) {
    tables.push({
      title: 'The one-replica baseline, searched twice',
      header: ['first search (deliveries/s)', 'second search (deliveries/s)'],
      rows: [capacity.baselineRunsPerS.map((perS) => formatNumber(perS))],
    });
  }
  const costs = capacity.unitCosts;
  if (costs) {
    const rows: [string, number | undefined][] = [
      ['replica CPU-ms per 1000 deliveries', costs.replicaCpuMsPer1kDeliveries],
      [
        'replica CPU-ms per 1000 receipts (a publish at one subscribed replica)',
        costs.replicaCpuMsPer1kReceipts,
      ],
      ['Redis CPU-µs per publish', costs.redisCpuUsPerPublish],
      ['Redis CPU-µs per receipt', costs.redisCpuUsPerReceipt],
      ['HAProxy CPU-ms per 1000 deliveries', costs.proxyCpuMsPer1kDeliveries],
      ['load generator CPU-ms per 1000 deliveries', costs.loadCpuMsPer1kDeliveries],
      ['sustainable share of CPU-bound capacity', costs.sustainableFraction],
      ['replica memory KiB per idle connection', costs.replicaMemoryKiBPerConnection],
      ['replica base memory MiB', costs.replicaBaseMemoryMiB],
      ['HAProxy CPU-ms per connection opened', costs.proxyCpuMsPerConnection],
      ['HAProxy memory KiB per connection', costs.proxyMemoryKiBPerConnection],
    ];
    tables.push({
      title: `Unit costs (fan-out ${costs.fanout}; what \`wslab plan\` uses)`,
      header: ['cost', 'value'],
      rows: rows
        .filter(([, value]) => value !== undefined)
        .map(([name, value]) => [name, formatNumber(value)]),
    });
  }
  return tables;
}
