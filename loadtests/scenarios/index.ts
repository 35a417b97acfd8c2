/**
 * Every scenario definition by name. Shared by the Node runner and the k6 scripts.
 * Pure: no Node or k6 imports.
 */
import { connectRamp } from './connect_ramp.js';
import type { ScenarioName } from './definition.js';
import { failover } from './failover.js';
import { fanout } from './fanout.js';
import { soak } from './soak.js';

export const SCENARIOS = {
  fanout,
  connect_ramp: connectRamp,
  failover,
  soak,
} as const;

export const SCENARIO_NAMES = Object.keys(SCENARIOS) as ScenarioName[];

export type { ConnectRampParams } from './connect_ramp.js';
export type { ScenarioDefinition, ScenarioName, StreamParams } from './definition.js';
