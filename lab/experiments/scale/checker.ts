import { memoryLine } from '../../../loadtests/idle/ramp.js';
import { findings } from '../check/checker.js';
import { ms } from '../shared/describe-run.js';

/** What the search found, the model's check, the idle ramp and the scale-out (descriptive: no pass/fail target). */
export const scaleChecker = findings((result) => {
  const { runs } = result;
  const capacity = result.capacity;
  if (!capacity) return ['No capacity figures in this result (an older scale report).'];
  const conclusions: string[] = [];
  const mark = capacity.capped ? '' : ' (UNCAPPED)';
  const rows = capacity.perReplicaCount.map((row) =>
    row.notMeasured?.startsWith('machine-bound') && row.bracket === null
      ? `${row.replicas}r ${row.notMeasured}`
      : `${row.replicas}r ${Math.round(row.maxSustainedDeliveriesPerS)}/s` +
        (row.bracket
          ? ` (knee between ${Math.round(row.bracket.passingPerS)} and ${row.bracket.failingPerS === null ? '?' : Math.round(row.bracket.failingPerS)}/s offered)`
          : '') +
        (row.efficiency === null ? '' : `, efficiency ${(row.efficiency * 100).toFixed(0)}%`) +
        `, limited by ${row.limiting}` +
        (typeof row.loadToReplicaCpu === 'number'
          ? `, load generator ${row.loadToReplicaCpu.toFixed(2)}× the replicas' CPU`
          : '') +
        (row.throttledShare === null || row.throttledShare === undefined
          ? ''
          : `, ${(row.throttledShare * 100).toFixed(0)}% of CFS periods throttled`) +
        (row.notMeasured ? ` — ${row.notMeasured}` : ''),
  );
  conclusions.push(
    `Max sustainable delivered rate${mark} with replicas capped at ${capacity.limits.replicaCpuCores} CPU: ${rows.join('; ')}.`,
  );
  const budget = capacity.budget;
  if (budget) {
    const per1k = budget.cpuMsPer1kDeliveries;
    conclusions.push(
      `Budget (one replica at ${Math.round(budget.calibrationOfferedPerS)}/s): replica ${per1k.replica.toFixed(1)}, Redis ${per1k.redis.toFixed(1)}, ` +
        `HAProxy ${per1k.proxy.toFixed(1)}, load generator ${per1k.load.toFixed(1)} CPU-ms per 1000 deliveries ` +
        `(generator ${per1k.replica > 0 ? (per1k.load / per1k.replica).toFixed(2) : '?'}× the replica); cap ${budget.replicaCpuCores} CPU per replica so every count fits in ${Math.round(budget.machineShare * 100)}% of the machine` +
        (budget.machineBound.length > 0
          ? `; not measured (machine-bound): ${budget.machineBound.join(', ')} replicas.`
          : '.'),
    );
  }
  const periods = capacity.cfsPeriods ?? [];
  if (periods.length === 2) {
    const [a, b] = periods as [(typeof periods)[number], (typeof periods)[number]];
    const p99 = (value: number | null) => (value === null ? '?' : `${Math.round(value)} ms`);
    conclusions.push(
      `Same quota (${capacity.limits.replicaCpuCores} CPU), ${a.replicas} replica(s) at ${Math.round(a.offeredDeliveriesPerS)}/s: p99 ${p99(a.p99Ms)} with a ${a.periodUs / 1000} ms CFS period, ` +
        `${p99(b.p99Ms)} with ${b.periodUs / 1000} ms (throttled ${Math.round(a.throttledS * 1000)} ms vs ${Math.round(b.throttledS * 1000)} ms in total).`,
    );
  }
  const held = capacity.heldOut;
  if (held) {
    conclusions.push(
      `The capacity model fitted on ${held.fittedOn.join(' and ')} replica(s) predicted ${Math.round(held.predictedDeliveriesPerS)}/s ` +
        `for ${held.replicas}; measured ${Math.round(held.measuredDeliveriesPerS)}/s: ${held.errorPercent >= 0 ? '+' : ''}${held.errorPercent.toFixed(0)}% ` +
        `(${Math.abs(held.errorPercent) <= 20 ? 'within' : 'outside'} the 20% target).`,
    );
  } else {
    conclusions.push(
      'The model could not be checked on a held-out replica count (no sustainable step to compare).',
    );
  }
  for (const check of capacity.modelChecks ?? [])
    conclusions.push(`Model check ${check.passed ? 'passed' : 'FAILED'}: ${check.name} (${check.detail}).`);
  const costs = capacity.unitCosts;
  if (costs) {
    conclusions.push(
      `Unit costs (fan-out ${costs.fanout}): replica ${costs.replicaCpuMsPer1kDeliveries.toFixed(1)} CPU-ms per 1000 deliveries ` +
        `+ ${costs.replicaCpuMsPer1kReceipts.toFixed(1)} per 1000 publishes received per subscribed replica; Redis ` +
        `${costs.redisCpuUsPerPublish.toFixed(1)} µs per publish + ${costs.redisCpuUsPerReceipt.toFixed(1)} µs per subscribed replica; ` +
        `HAProxy ${costs.proxyCpuMsPer1kDeliveries.toFixed(1)} CPU-ms per 1000 deliveries; ${Math.round(costs.sustainableFraction * 100)}% ` +
        'of the CPU-bound capacity stayed sustainable. `wslab plan` sizes a deployment from these.',
    );
  }
  const idle = capacity.idleConnections;
  if (idle) {
    const line = memoryLine(idle.points);
    conclusions.push(
      `One replica capped at ${idle.replicaMemoryMiB} MiB held ${idle.held} idle connections (each joined to a room): ${idle.detail}; ` +
        `${(line.perConnectionMiB * 1024).toFixed(1)} KiB per connection above a ${line.baseMiB.toFixed(0)} MiB base` +
        (line.perConnectionMiB > 0
          ? `; at that slope a 256 MiB replica would hold about ${Math.round((256 - line.baseMiB) / line.perConnectionMiB)}.`
          : '.'),
    );
  }
  const scaleOutRun = runs.find((run) => run.parameters?.scaleOut === true);
  if (scaleOutRun) {
    const m = scaleOutRun.metrics;
    conclusions.push(
      `${scaleOutRun.label}: ${m.clientsAskedToMove ?? 0} clients were asked to move (close 4000, jittered); ` +
        `${m.rebalanceRounds ?? 0} round(s); ` +
        (m.evenAfterMs === undefined
          ? `the spread did not get within max/mean 1.25 in time (max/mean ${(m.maxOverMeanAfter ?? 0).toFixed(2)}).`
          : `connections were even (max/mean ≤ 1.25) ${Math.round(m.evenAfterMs)} ms after the request, max/mean ${(m.maxOverMeanAfter ?? 0).toFixed(2)}, ` +
            `new replica holds ${m.newReplicaConnections ?? 0}; lost ${scaleOutRun.messages?.lost ?? 0} messages on the way, p99 ${ms(scaleOutRun.latencyMs?.p99)}.`),
    );
  }
  return conclusions;
});
