/**
 * The main job (`npm start`): runs the headline experiments on the embedded
 * default (every component as a local process on 127.0.0.1), writes a report
 * per experiment under reports/, and prints where they are with the headline
 * findings. `npm start -- --short` runs the same set in seconds (what CI does).
 */
import { Command, Option } from 'commander';
import { ARRIVAL_MODELS, type ArrivalModel } from '../loadtests/scenarios/arrivals.js';
import { STREAM_DEFAULTS } from '../loadtests/scenarios/definition.js';
import { stopEverythingOnSignals } from './cli/signals.js';
import { HEADLINE_EXPERIMENTS, runExperiments } from './experiments/index.js';
import { verdictLine } from './report/judgement.js';

const program = new Command('wslab-start')
  .description(
    `runs the headline experiments (${HEADLINE_EXPERIMENTS.join(', ')}) and prints the report paths`,
  )
  .option('--short', 'short mode: seconds per run')
  .option('--only <names>', 'comma-separated experiments instead of the headline set')
  .addOption(
    new Option('--arrivals <model>', 'when the load publishers send')
      .choices(ARRIVAL_MODELS)
      .default(STREAM_DEFAULTS.arrivals),
  )
  .option('--out <dir>', 'reports directory', 'reports');

program.parse(process.argv);
const flags = program.opts<{ short?: boolean; only?: string; arrivals: ArrivalModel; out: string }>();
const names = flags.only ? flags.only.split(',').map((name) => name.trim()) : HEADLINE_EXPERIMENTS;
const mode = flags.short ? 'short' : 'full';

stopEverythingOnSignals();
process.stdout.write(
  `wslab: running ${names.join(', ')} (${mode} mode) on local processes; ` +
    `${mode === 'full' ? 'about 12 minutes' : 'about a minute'} on 2 cores.\n`,
);
try {
  const written = await runExperiments(names, { mode, arrivals: flags.arrivals, reportsDir: flags.out });
  // the checker's judgement of each result, as data (the same as each report's check.json)
  for (const { title, judgement } of written) {
    const lines = [verdictLine(judgement), ...judgement.conclusions.map((line) => `- ${line}`)];
    process.stdout.write(`\n${title}\n${lines.join('\n')}\n`);
  }
  process.stdout.write('\nReports:\n');
  for (const report of written) process.stdout.write(`report: ${report.htmlPath}\n`);
} catch (error) {
  process.stderr.write(`wslab: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
