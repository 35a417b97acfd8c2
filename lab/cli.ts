/**
 * wslab: the local topology (up/status/down), experiments (run) and reports.
 * `npm run wslab -- <command>`; `npm start` runs the headline experiments.
 */
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { ARRIVAL_MODELS, type ArrivalModel } from '../loadtests/scenarios/arrivals.js';
import { STREAM_DEFAULTS } from '../loadtests/scenarios/definition.js';
import type { TopologySpec } from '../spec/topology.js';
import { down } from './cli/down.js';
import { stopEverythingOnSignals } from './cli/signals.js';
import { specFromFlags, specOptions } from './cli/spec-flags.js';
import { labDir, readLabState } from './cli/state.js';
import { formatStatus, statusOf } from './cli/status.js';
import { describeUp, stackSpec, upDetached, upForeground } from './cli/up.js';
import { EXPERIMENT_NAMES, runExperiments } from './experiments/index.js';
import { startLiveView } from './live/live-view.js';
import { writeComparison } from './report/compare.js';
import { rerenderReport } from './report/write.js';

export interface UpFlags extends Record<string, unknown> {
  stack?: string;
  detach?: boolean;
  supervised?: boolean;
  live?: boolean;
}

/**
 * The topology spec of `up`: the spec's defaults, then the stack file (`--stack`), then the
 * flags given on the command line, which win over both.
 */
export function specOfUp(flags: UpFlags): TopologySpec {
  return specFromFlags(flags, flags.stack ? stackSpec(process.cwd(), flags.stack) : undefined);
}

/** Builds the command tree (exported for tests of the parsing). */
export function buildProgram(): Command {
  const program = new Command('wslab')
    .description('WebSocket scaling lab: local topology, faults, experiments and reports')
    .showHelpAfterError();

  const up = program
    .command('up')
    .description('start Redis, the replicas and the proxies on 127.0.0.1 (foreground: Ctrl-C stops all)');
  // One flag per spec key the lab reads (spec/README.md lists them with default and range).
  for (const option of specOptions()) up.addOption(option);
  up.option('--stack <name>', 'read the settings from Pulumi.<name>.yaml (what `pulumi up` deploys)')
    .option('-d, --detach', 'start in the background and return; stop with `wslab down`')
    .option('--no-live', 'do not serve the live view')
    .addOption(new Option('--supervised').hideHelp())
    .action(async (flags: UpFlags) => {
      const dir = labDir();
      const spec = specOfUp(flags);
      if (flags.detach) {
        const state = await upDetached(dir, process.argv.slice(2), fileURLToPath(import.meta.url));
        process.stdout.write(
          `${describeUp(state)}\nDetached (supervisor pid ${state.supervisorPid}); stop with: npm run wslab -- down\n`,
        );
        return;
      }
      await upForeground(dir, spec, flags.supervised === true, flags.live !== false);
    });

  program
    .command('status')
    .description('each component: pid, port, health, connections')
    .action(async () => {
      const state = readLabState(labDir());
      if (!state) {
        process.stdout.write('nothing is up\n');
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`${formatStatus(state, await statusOf(state))}\n`);
    });

  program
    .command('down')
    .description('stop everything `up` started (by the pids recorded in .lab/state.json)')
    .action(async () => {
      const report = await down(labDir());
      if (report.nothingUp) {
        process.stdout.write('nothing was up\n');
        return;
      }
      if (report.killed.length > 0)
        process.stdout.write(`killed leftover pids: ${report.killed.join(', ')}\n`);
      if (report.portsStillOpen.length > 0) {
        process.stderr.write(`ports still open: ${report.portsStillOpen.join(', ')}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write('down: no process and no port left\n');
    });

  program
    .command('run')
    .description(`run experiments (${EXPERIMENT_NAMES.join(', ')}) and write reports`)
    .argument('<experiments...>', 'experiment names, or "headline" for the default set')
    .option('--short', 'short mode (seconds each; what CI runs)')
    .addOption(
      new Option('--arrivals <model>', 'when the load publishers send')
        .choices(ARRIVAL_MODELS)
        .default(STREAM_DEFAULTS.arrivals),
    )
    .option('--out <dir>', 'reports directory', 'reports')
    .option('--no-live', 'do not serve the live view')
    .action(
      async (
        names: string[],
        flags: { short?: boolean; arrivals: ArrivalModel; out: string; live: boolean },
      ) => {
        stopEverythingOnSignals();
        const live = flags.live ? await startLiveView(labDir()) : undefined;
        if (live) process.stdout.write(`live view: ${live.server.url}\n`);
        try {
          const written = await runExperiments(names, {
            mode: flags.short ? 'short' : 'full',
            arrivals: flags.arrivals,
            reportsDir: flags.out,
            ...(live ? { live: live.collector } : {}),
          });
          for (const report of written) process.stdout.write(`report: ${report.htmlPath}\n`);
        } finally {
          await live?.stop();
        }
      },
    );

  program
    .command('report')
    .description(
      're-render report.md, charts and index.html from <dir>/result.json; with --compare, ' +
        'put the headline figures of two reports side by side with their deltas',
    )
    .argument('<dirs...>', 'a reports/<timestamp>-<experiment> directory (two with --compare: A then B)')
    .option('--compare', 'compare two reports of the same experiment (compare.md, compare.html)')
    .option('--out <dir>', 'with --compare: where to write (default: beside B, compare-<A>-vs-<B>)')
    .action(async (dirs: string[], flags: { compare?: boolean; out?: string }) => {
      if (flags.compare) {
        if (dirs.length !== 2) throw new Error('report --compare takes two report directories: A then B');
        const written = await writeComparison(dirs[0]!, dirs[1]!, flags.out);
        process.stdout.write(`comparison: ${written.htmlPath}\ncomparison: ${written.markdownPath}\n`);
        return;
      }
      if (dirs.length !== 1) throw new Error('report takes one report directory (or two with --compare)');
      const written = await rerenderReport(dirs[0]!);
      process.stdout.write(`report: ${written.htmlPath}\n`);
    });

  return program;
}

/** Runs the CLI with `argv` (process.argv shape); exits non-zero with one line on error. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    process.stderr.write(`wslab: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main(process.argv);
