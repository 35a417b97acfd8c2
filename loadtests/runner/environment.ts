/** The machine a run happened on, recorded in every result. */
import { arch, cpus, hostname, loadavg, platform, totalmem } from 'node:os';
import type { ScenarioResult } from './result.js';

export function describeEnvironment(
  shards: number,
  inline: boolean,
  publisherShard: boolean,
): ScenarioResult['environment'] {
  const cpuList = cpus();
  return {
    node: process.version,
    platform: platform(),
    arch: arch(),
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model ?? 'unknown',
    totalMemoryBytes: totalmem(),
    hostname: hostname(),
    loadAverage: loadavg().map((value) => Math.round(value * 100) / 100),
    shards,
    shardMode: inline ? 'inline' : 'process',
    publisherShard,
  };
}
