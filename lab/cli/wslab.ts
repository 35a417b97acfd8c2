/**
 * wslab: the local topology (up/status/down), experiments (run) and reports.
 * `npm run wslab -- <command>`; `npm start` runs the headline experiments.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ARRIVAL_MODELS, type ArrivalModel } from '../../loadtests/scenarios/arrivals.js';
import { STREAM_DEFAULTS } from '../../loadtests/scenarios/definition.js';
import type { TopologySpec } from '../../topology/spec.js';
import { DEFAULT_HEADROOM, PLACEMENTS } from '../capacity/deployment-plan.js';
import { EXPERIMENT_NAMES, interpretationOf, runExperiments } from '../experiments/index.js';
import { rejudgeReport } from '../experiments/run-experiment.js';
import { labDir } from '../lab-dir.js';
import { startLiveView } from '../live/live-view.js';
import { writeComparison } from '../report/compare.js';
import { verdictLine } from '../report/judgement.js';
import { down } from './down.js';
import { parseDuration } from './duration.js';
import { type PlanFlags, runPlan } from './plan-command.js';
import { stopEverythingOnSignals } from './signals.js';
import { specFromFlags, specOptions } from './spec-flags.js';
import { readLabState } from './state.js';
import { formatStatus, statusOf } from './status.js';
import { type TokenFlags, tokenFor } from './token.js';
import { describeUp, stackSpec, upDetached, upForeground } from './up.js';

/** The Kubernetes renderer (infra/kubernetes/render-yaml.ts), run as its own process. */
const RENDER_SCRIPT = fileURLToPath(new URL('../../infra/kubernetes/render-yaml.ts', import.meta.url));

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

/** Commander's collector for a repeatable text option. */
function collectText(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A commander parser for a positive number (an integer when asked): a bad value is one clear line. */
function positiveNumber(flag: string, integer = false): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (!(Number.isFinite(value) && value > 0) || (integer && !Number.isInteger(value))) {
      throw new InvalidArgumentError(
        `${flag} must be a positive ${integer ? 'integer' : 'number'}, got "${text}"`,
      );
    }
    return value;
  };
}

function fraction(flag: string): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (!(Number.isFinite(value) && value >= 0 && value <= 0.9)) {
      throw new InvalidArgumentError(`${flag} must be a number from 0 to 0.9, got "${text}"`);
    }
    return value;
  };
}

/** Builds the command tree (exported for tests of the parsing). */
export function buildProgram(): Command {
  const program = new Command('wslab')
    .description('WebSocket scaling lab: local topology, faults, experiments and reports')
    .showHelpAfterError();

  const up = program
    .command('up')
    .description(
      'start Redis, the replicas and the proxies on 127.0.0.1, or on N lab hosts with --hosts N (foreground: Ctrl-C stops all)',
    );
  // One flag per spec key the lab reads (topology/README.md lists them with default and range).
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
    .command('token')
    .description("mint a token for a person, signed with the running lab's secret (or --secret-env NAME)")
    .option('--room <room>', 'a room the token may join (repeatable; * = every room)', collectText, [])
    .option('--pub <room>', 'a room the token may publish to (repeatable; * = every room)', collectText, [])
    .option(
      '--ttl <duration>',
      'lifetime, e.g. 15m, 1h (at most authTokenMaxLifetimeS)',
      parseDuration,
      3_600_000,
    )
    .option(
      '--secret-env <name>',
      "env variable holding the signing secret (a Pulumi stack's) instead of the lab's",
    )
    .action(async (flags: TokenFlags) => {
      try {
        process.stdout.write(`${await tokenFor(flags, readLabState(labDir()), process.env)}\n`);
      } catch (error) {
        process.stderr.write(`wslab token: ${(error as Error).message}\n`);
        process.exitCode = 2;
      }
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
    .option(
      '--duration <time>',
      'how long soak runs, e.g. 90s or 10m (default: 10m full, 1m short)',
      parseDuration,
    )
    .option('--no-live', 'do not serve the live view')
    .action(
      async (
        names: string[],
        flags: { short?: boolean; arrivals: ArrivalModel; out: string; duration?: number; live: boolean },
      ) => {
        stopEverythingOnSignals();
        const live = flags.live ? await startLiveView(labDir()) : undefined;
        if (live) process.stdout.write(`live view: ${live.server.url}\n`);
        try {
          const written = await runExperiments(names, {
            mode: flags.short ? 'short' : 'full',
            arrivals: flags.arrivals,
            reportsDir: flags.out,
            ...(flags.duration === undefined ? {} : { durationMs: flags.duration }),
            ...(live ? { live: live.collector } : {}),
          });
          for (const report of written) process.stdout.write(`report: ${report.htmlPath}\n`);
        } finally {
          await live?.stop();
        }
      },
    );

  program
    .command('render')
    .description(
      'print the Kubernetes objects of a stack (wslab:platform kubernetes) as YAML for kubectl apply',
    )
    .argument('<target>', 'what to render: kubernetes')
    .requiredOption('--stack <name>', 'the stack file Pulumi.<name>.yaml')
    .action((target: string, flags: { stack: string }) => {
      if (target !== 'kubernetes') {
        process.stderr.write(`wslab render: unknown target "${target}"; use kubernetes\n`);
        process.exitCode = 2;
        return;
      }
      // A child process, not an import: the lab never imports infra/ (the program runs under mocks there).
      const child = spawn(process.execPath, ['--import', 'tsx', RENDER_SCRIPT, '--stack', flags.stack], {
        stdio: 'inherit',
      });
      child.on('exit', (code) => {
        process.exitCode = code ?? 1;
      });
    });

  program
    .command('plan')
    .description(
      "replicas, Redis shards, proxy cores and memory for a load, from a scale report's unit costs",
    )
    .requiredOption(
      '--connections <n>',
      'concurrent WebSocket connections',
      positiveNumber('--connections', true),
    )
    .requiredOption('--publish-rate <n>', 'messages published per second', positiveNumber('--publish-rate'))
    .requiredOption(
      '--fanout <n>',
      'subscribers per room (deliveries per publish)',
      positiveNumber('--fanout', true),
    )
    .addOption(
      new Option('--headroom <fraction>', 'spare share kept on every component (0 to 0.9)')
        .argParser(fraction('--headroom'))
        .default(DEFAULT_HEADROOM),
    )
    .option(
      '--replica-cpu-cores <n>',
      'CPU of one replica (default: the cap the costs were measured at)',
      positiveNumber('--replica-cpu-cores'),
    )
    .addOption(
      new Option(
        '--placement <how>',
        "where a room's members land: random (spread), room (room stickiness), auto",
      )
        .choices(['auto', ...PLACEMENTS])
        .default('auto'),
    )
    .option('--from <dir>', 'a reports/<timestamp>-scale directory (default: the newest with unit costs)')
    .option('--write-stack <name>', 'also write Pulumi.<name>.yaml for this plan (checked against the spec)')
    .action((flags: PlanFlags) => {
      runPlan(flags, process.cwd(), (text) => process.stdout.write(`${text}\n`));
    });

  program
    .command('report')
    .description(
      "re-judge <dir>/result.json with its experiment's checker and re-render check.json, report.md, " +
        'charts and index.html from it; with --compare, ' +
        'put the headline figures of two reports side by side with their deltas',
    )
    .argument('<dirs...>', 'a reports/<timestamp>-<experiment> directory (two with --compare: A then B)')
    .option('--compare', 'compare two reports of the same experiment (compare.md, compare.html)')
    .option('--out <dir>', 'with --compare: where to write (default: beside B, compare-<A>-vs-<B>)')
    .action(async (dirs: string[], flags: { compare?: boolean; out?: string }) => {
      if (flags.compare) {
        if (dirs.length !== 2) throw new Error('report --compare takes two report directories: A then B');
        const headlineOf = (experiment: string) => interpretationOf(experiment).headline;
        const written = await writeComparison(dirs[0]!, dirs[1]!, headlineOf, flags.out);
        process.stdout.write(`comparison: ${written.htmlPath}\ncomparison: ${written.markdownPath}\n`);
        return;
      }
      if (dirs.length !== 1) throw new Error('report takes one report directory (or two with --compare)');
      const written = await rejudgeReport(dirs[0]!, interpretationOf);
      process.stdout.write(`${verdictLine(written.judgement)}\nreport: ${written.htmlPath}\n`);
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
