/**
 * `wslab plan`: replicas, Redis shards, proxy cores and memory for a load, from the unit costs a
 * scale report measured. Every figure comes with the arithmetic that produced it.
 */
import { SPEC_FIELDS } from '../../topology/fields.js';
import type { UnitCosts } from '../report/capacity-schema.js';
import { receiptsPerPublish } from './model.js';

/** `wslab plan --headroom` default: plan for 70% use of every component. */
export const DEFAULT_HEADROOM = 0.3;

export interface Demand {
  connections: number;
  publishRatePerS: number;
  /** Subscribers per room: each publish is delivered this many times. */
  fanout: number;
  /** Spare share kept on every component (0.3: plan for 70% use). */
  headroom: number;
  /** CPU of one replica; more replicas than the spec allows make each one bigger. */
  replicaCpuCores: number;
  /**
   * Where a room's members land: `random` (cookie or no stickiness: spread over every replica,
   * so a publish reaches many replicas) or `room` (room stickiness: one replica per room, so a
   * publish reaches one).
   */
  placement: Placement;
}

export const PLACEMENTS = ['random', 'room'] as const;
export type Placement = (typeof PLACEMENTS)[number];

/** One line of the arithmetic. */
export interface PlanTerm {
  name: string;
  formula: string;
  value: number;
  unit: string;
}

export interface CapacityPlan {
  placement: Placement;
  replicas: number;
  replicaCpuCores: number;
  replicaMemoryMiB: number;
  redisShards: number;
  proxyCores: number;
  proxyWorkers: number;
  totalMemoryMiB: number;
  terms: PlanTerm[];
  /** What the plan could not honour (spec ranges), in words. */
  warnings: string[];
}

const specRange = (key: string): { min: number; max: number } => {
  const field = SPEC_FIELDS.find((candidate) => candidate.key === key);
  return { min: field?.min ?? 1, max: field?.max ?? Number.POSITIVE_INFINITY };
};

const round = (value: number, digits = 2) => Number(value.toFixed(digits));
/** Memory caps are given in steps of 64 MiB, as container limits usually are. */
const MEMORY_STEP_MIB = 64;
/** A replica is one Node event loop: more CPU than one core does not make it faster. */
const MAX_REPLICA_CORES = 1;
/** Replicas tried before giving up (each publish reaches every replica: more never helps past this). */
const MAX_REPLICAS_TRIED = 100_000;

/** Replicas one publish reaches for the demand's placement. */
function receiptsFor(replicas: number, demand: Demand): number {
  return demand.placement === 'room' ? 1 : receiptsPerPublish(replicas, demand.fanout);
}

/** Replica CPU (cores) at `replicas` for the demand: deliveries plus publishes received per replica. */
function replicaCores(replicas: number, demand: Demand, costs: UnitCosts): number {
  const deliveriesPerS = demand.publishRatePerS * demand.fanout;
  const receiptsPerS = demand.publishRatePerS * receiptsFor(replicas, demand);
  return (
    (deliveriesPerS * costs.replicaCpuMsPer1kDeliveries) / 1e6 +
    (receiptsPerS * costs.replicaCpuMsPer1kReceipts) / 1e6
  );
}

/** Fewest replicas of `coresEach` whose usable CPU covers the demand, or undefined when none do. */
function replicasFor(coresEach: number, demand: Demand, costs: UnitCosts): number | undefined {
  const usable = coresEach * costs.sustainableFraction * (1 - demand.headroom);
  for (let replicas = 1; replicas <= MAX_REPLICAS_TRIED; replicas += 1) {
    if (replicaCores(replicas, demand, costs) <= replicas * usable) return replicas;
    // past `fanout` replicas each one receives fewer publishes, but the per-replica cost no longer falls much
    if (replicas > demand.fanout * 4 && replicaCores(replicas, demand, costs) / replicas > usable)
      return undefined;
  }
  return undefined;
}

export function planCapacity(demand: Demand, costs: UnitCosts): CapacityPlan {
  const terms: PlanTerm[] = [];
  const warnings: string[] = [];
  const keep = 1 - demand.headroom;
  const deliveriesPerS = demand.publishRatePerS * demand.fanout;
  terms.push({
    name: 'deliveries',
    formula: `${demand.publishRatePerS} publishes/s × fan-out ${demand.fanout}`,
    value: deliveriesPerS,
    unit: '/s',
  });
  if (demand.fanout !== costs.fanout) {
    warnings.push(
      `the costs were measured at fan-out ${costs.fanout}; at ${demand.fanout} the per-publish part of a replica's work is spread differently (the model keeps per-delivery and per-receipt costs)`,
    );
  }
  // replicas: grow each replica's CPU in 0.25-core steps (up to one core: a replica is one event
  // loop) until the count fits the spec's range
  const replicaRange = specRange('replicas');
  let coresEach = demand.replicaCpuCores;
  let replicas = replicasFor(coresEach, demand, costs);
  while ((replicas === undefined || replicas > replicaRange.max) && coresEach < MAX_REPLICA_CORES) {
    coresEach = Math.min(MAX_REPLICA_CORES, round(coresEach + 0.25));
    replicas = replicasFor(coresEach, demand, costs);
  }
  if (replicas === undefined) {
    throw new Error(
      `each replica would spend more than ${coresEach} core(s) receiving publishes alone: split the load over several deployments (fewer rooms per replica)`,
    );
  }
  if (coresEach !== demand.replicaCpuCores) {
    warnings.push(
      `${demand.replicaCpuCores}-core replicas would need more than ${replicaRange.max} (the spec's maximum): each replica gets ${coresEach} cores instead, assuming the cost per delivery does not depend on a replica's size`,
    );
  }
  if (replicas > replicaRange.max) {
    warnings.push(
      `${replicas} replicas of ${coresEach} core(s) needed; one stack deploys at most ${replicaRange.max}: split the load over ${Math.ceil(replicas / replicaRange.max)} deployments`,
    );
  }
  const receipts = receiptsFor(replicas, demand);
  terms.push({
    name: 'receipts per publish',
    formula:
      demand.placement === 'room'
        ? 'room stickiness: every member of a room on one replica'
        : `replicas holding a member of the room: ${replicas} × (1 − (1 − 1/${replicas})^${demand.fanout})`,
    value: round(receipts),
    unit: 'replicas',
  });
  const replicaCpu = replicaCores(replicas, demand, costs);
  terms.push({
    name: 'replica CPU',
    formula: `${deliveriesPerS} deliveries/s × ${round(costs.replicaCpuMsPer1kDeliveries)} ms/1000 + ${demand.publishRatePerS} × ${round(receipts)} receipts/s × ${round(costs.replicaCpuMsPer1kReceipts)} ms/1000`,
    value: round(replicaCpu),
    unit: 'cores',
  });
  terms.push({
    name: 'replicas (CPU)',
    formula: `${round(replicaCpu)} cores / (${coresEach} cores × ${round(costs.sustainableFraction)} sustainable × ${round(keep)} after headroom), rounded up`,
    value: replicas,
    unit: 'replicas',
  });
  // memory per replica: its share of the connections, plus the base, plus headroom
  const perReplicaConnections = Math.ceil(demand.connections / replicas);
  const perConnectionKiB = costs.replicaMemoryKiBPerConnection ?? 0;
  const baseMiB = costs.replicaBaseMemoryMiB ?? 0;
  if (costs.replicaMemoryKiBPerConnection === undefined)
    warnings.push('no memory per connection measured: memory is the base only');
  const neededMiB = baseMiB + (perReplicaConnections * perConnectionKiB) / 1024;
  const memoryRange = specRange('replicaMemoryMiB');
  const replicaMemoryMiB = Math.min(
    memoryRange.max,
    Math.max(memoryRange.min, Math.ceil(neededMiB / keep / MEMORY_STEP_MIB) * MEMORY_STEP_MIB),
  );
  terms.push({
    name: 'replica memory',
    formula: `(${round(baseMiB)} MiB + ${perReplicaConnections} connections × ${round(perConnectionKiB)} KiB) / ${round(keep)}, up to a multiple of ${MEMORY_STEP_MIB} MiB`,
    value: replicaMemoryMiB,
    unit: 'MiB',
  });
  // Redis: sharded pub/sub spreads rooms (and so both terms) over the shards
  const redisCores =
    (demand.publishRatePerS * costs.redisCpuUsPerPublish) / 1e6 +
    (demand.publishRatePerS * receipts * costs.redisCpuUsPerReceipt) / 1e6;
  terms.push({
    name: 'Redis CPU',
    formula: `${demand.publishRatePerS} publishes/s × ${round(costs.redisCpuUsPerPublish)} µs + ${demand.publishRatePerS} × ${round(receipts)} receipts/s × ${round(costs.redisCpuUsPerReceipt)} µs`,
    value: round(redisCores),
    unit: 'cores',
  });
  const redisShards = Math.max(1, Math.ceil(redisCores / keep));
  terms.push({
    name: 'Redis shards',
    formula: `${round(redisCores)} cores / (1 thread × ${round(keep)}), rounded up`,
    value: redisShards,
    unit: 'shards',
  });
  const proxyCpu = (deliveriesPerS * costs.proxyCpuMsPer1kDeliveries) / 1e6;
  terms.push({
    name: 'proxy CPU',
    formula: `${deliveriesPerS} deliveries/s × ${round(costs.proxyCpuMsPer1kDeliveries)} ms/1000`,
    value: round(proxyCpu),
    unit: 'cores',
  });
  const proxyCores = round(Math.max(0.25, Math.ceil((proxyCpu / keep) * 4) / 4));
  terms.push({
    name: 'proxy cores',
    formula: `${round(proxyCpu)} / ${round(keep)}, up to a quarter core`,
    value: proxyCores,
    unit: 'cores',
  });
  if (costs.proxyCpuMsPerConnection !== undefined) {
    terms.push({
      name: 'proxy: every client reconnecting at once',
      formula: `${demand.connections} connections × ${round(costs.proxyCpuMsPerConnection, 3)} ms / ${proxyCores} cores`,
      value: round((demand.connections * costs.proxyCpuMsPerConnection) / 1000 / proxyCores, 1),
      unit: 's',
    });
  }
  const workersRange = specRange('proxyWorkers');
  const proxyWorkers = Math.min(workersRange.max, Math.max(workersRange.min, Math.ceil(proxyCores)));
  const proxyMemoryMiB = (demand.connections * (costs.proxyMemoryKiBPerConnection ?? 0)) / 1024;
  const totalMemoryMiB = Math.ceil(replicas * replicaMemoryMiB + proxyMemoryMiB);
  terms.push({
    name: 'memory (replicas + proxy)',
    formula: `${replicas} × ${replicaMemoryMiB} MiB + ${demand.connections} connections × ${round(costs.proxyMemoryKiBPerConnection ?? 0)} KiB`,
    value: totalMemoryMiB,
    unit: 'MiB',
  });
  if (redisShards > 3) {
    warnings.push(
      `${redisShards} Redis shards needed; the spec's cluster has 3 masters, so the stack file deploys 3 (add masters, or fewer receipts: rooms placed on fewer replicas)`,
    );
  }
  return {
    placement: demand.placement,
    replicas,
    replicaCpuCores: coresEach,
    replicaMemoryMiB,
    redisShards,
    proxyCores,
    proxyWorkers,
    totalMemoryMiB,
    terms,
    warnings,
  };
}

/**
 * `--placement auto`: members spread at random (any stickiness) unless that cannot be deployed
 * (no replica size carries it, or more replicas than one stack holds), then room stickiness.
 */
export function planWithPlacement(
  demand: Omit<Demand, 'placement'>,
  costs: UnitCosts,
  placement: Placement | 'auto',
): CapacityPlan {
  if (placement !== 'auto') return planCapacity({ ...demand, placement }, costs);
  const maxReplicas = specRange('replicas').max;
  let reason: string;
  let spread: CapacityPlan | undefined;
  try {
    spread = planCapacity({ ...demand, placement: 'random' }, costs);
    if (spread.replicas <= maxReplicas) return spread;
    reason = `${spread.replicas} replicas with members spread over all of them`;
  } catch (error) {
    reason = (error as Error).message;
  }
  const room = planCapacity({ ...demand, placement: 'room' }, costs);
  // room stickiness only where it helps (it ties a room's load to one replica)
  if (spread !== undefined && room.replicas >= spread.replicas) return spread;
  room.warnings.unshift(
    `room stickiness chosen (each publish reaches one replica): spread placement needs ${reason}`,
  );
  return room;
}

/** The plan as text: each term with its arithmetic, then the figures. */
export function formatPlan(plan: CapacityPlan): string {
  const lines = plan.terms.map((term) => `  ${term.name}: ${term.formula} = ${term.value} ${term.unit}`);
  return [
    'arithmetic:',
    ...lines,
    'plan:',
    `  replicas: ${plan.replicas} × ${plan.replicaCpuCores} CPU, ${plan.replicaMemoryMiB} MiB each (${plan.placement === 'room' ? 'room stickiness' : 'members spread over replicas'})`,
    `  Redis shards: ${plan.redisShards}`,
    `  proxy: ${plan.proxyCores} cores (${plan.proxyWorkers} worker(s))`,
    `  memory: ${plan.totalMemoryMiB} MiB (replicas and proxy)`,
    ...plan.warnings.map((warning) => `note: ${warning}`),
  ].join('\n');
}
