import { type AbuseTarget, connectStorm, type StormCounts } from './connect-storm.js';
import { type SlowlorisCounts, slowloris } from './slowloris.js';

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
