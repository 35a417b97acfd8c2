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
        'efficiency',
        'limiting component',
        'model prediction',
      ],
      rows: capacity.perReplicaCount.map((row) => [
        String(row.replicas),
        formatNumber(row.maxSustainedDeliveriesPerS),
        percent(row.efficiency),
        row.limiting,
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
        step.sustainable ? 'yes' : `no: ${step.failures.join(', ')}`,
      ]),
    },
  ];
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
