import { join } from 'node:path';
import { Command } from 'commander';
import { runClusterFailover } from './cluster-failover-run.js';
import { saveBench } from './save.js';

// npx tsx bench/cluster-failover.ts [--node-timeout-ms 2000] [--runs 1]
const program = new Command()
  .description(
    'Cluster failover through the service: SIGKILL → first ack, acked messages missing after resume',
  )
  .option('--node-timeout-ms <ms>', 'cluster-node-timeout', '2000')
  .option('--publish-interval-ms <ms>', 'one publish this often', '20')
  .option('--runs <n>', 'repetitions', '1')
  .parse();
const options = program.opts<{ nodeTimeoutMs: string; publishIntervalMs: string; runs: string }>();

const runs = [];
for (let run = 0; run < Number(options.runs); run += 1) {
  runs.push(
    await runClusterFailover({
      logDir: join('.lab', 'bench', `cluster-failover-${Date.now()}`),
      nodeTimeoutMs: Number(options.nodeTimeoutMs),
      publishIntervalMs: Number(options.publishIntervalMs),
    }),
  );
}
const worstRecoveryMs = Math.max(...runs.map((run) => run.recoveryMs));
saveBench('cluster-failover', {
  runs,
  worstRecoveryMs,
  targetRecoveryMs: runs[0]?.targetRecoveryMs,
  recoveryWithinTarget: runs.every((run) => run.recoveryMs <= run.targetRecoveryMs),
  ackedMissingAfterResume: runs.reduce((sum, run) => sum + run.ackedMissingAfterResume, 0),
});
