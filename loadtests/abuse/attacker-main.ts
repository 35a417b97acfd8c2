/**
 * The abusive client as its own process (the `abuse` experiment spawns it), so its event loop
 * is not the one that measures the normal clients: a connect storm and slowloris from one
 * address. Usage: node --import tsx loadtests/abuse/attacker-main.ts '<AttackerPlan JSON>' <result.json>
 */
import { writeFileSync } from 'node:fs';
import { type AttackerPlan, runAttacker } from './attacker.js';

const [planJson, resultPath] = process.argv.slice(2);
if (planJson === undefined || resultPath === undefined) {
  process.stderr.write('usage: attacker-main.ts <plan JSON> <result path>\n');
  process.exit(2);
}
// The token comes in the env, not argv (which every local user can read).
const result = await runAttacker(JSON.parse(planJson) as AttackerPlan, process.env.WSLAB_TOKEN || undefined);
writeFileSync(resultPath, `${JSON.stringify(result)}\n`);
