import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AttackerPlan, AttackerResult } from '../../loadtests/abuse/attacker.js';
import type { Topology } from '../../runtime/local/local-topology.js';
import { ManagedProcess } from '../../runtime/managed-process.js';

export type { AttackerPlan, AttackerResult } from '../../loadtests/abuse/attacker.js';

/** The abusive clients live with the load (loadtests/abuse/); the lab only schedules them. */
const ATTACKER_MAIN = fileURLToPath(new URL('../../loadtests/abuse/attacker-main.ts', import.meta.url));

/**
 * The abuse fault: runs the attacker (connect storm + slowloris from one address, `plan`) as its
 * own process, so its event loop is not the one that measures the normal clients, and reads
 * its result. Logged under the topology's log dir.
 */
export async function runAttackerProcess(topology: Topology, plan: AttackerPlan): Promise<AttackerResult> {
  const resultPath = join(topology.dir, `attacker-${Date.now()}.json`);
  const token = await topology.clientToken();
  const attacker = new ManagedProcess({
    name: 'attacker',
    command: process.execPath,
    args: ['--import', 'tsx', ATTACKER_MAIN, JSON.stringify(plan), resultPath],
    logDir: topology.logDir,
    // The token in the env, never argv (visible to every local user).
    env: { ...process.env, ...(token === undefined ? {} : { WSLAB_TOKEN: token }) },
  });
  const { code } = await attacker.exited;
  if (code !== 0) throw new Error(`attacker exited with ${code}; see ${attacker.logPath}`);
  return JSON.parse(await readFile(resultPath, 'utf8')) as AttackerResult;
}
