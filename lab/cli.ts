/**
 * wslab: the local topology (up/status/down), experiments (run) and reports.
 * `npm run wslab -- <command>`; `npm start` runs the headline experiments.
 */
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ARRIVAL_MODELS, type ArrivalModel } from '../loadtests/scenarios/arrivals.js';
import { STREAM_DEFAULTS } from '../loadtests/scenarios/definition.js';
import { STICKINESS_MODES } from '../proxy/options.js';
import { down } from './cli/down.js';
import { stopEverythingOnSignals } from './cli/signals.js';
import { labDir, readLabState } from './cli/state.js';
import { formatStatus, statusOf } from './cli/status.js';
import { describeUp, settingsFromStack, upDetached, upForeground } from './cli/up.js';
import { EXPERIMENT_NAMES, runExperiments } from './experiments/index.js';
import { rerenderReport } from './report/write.js';
import { PROXY_CHOICES, REDIS_MODES, type TopologyOptionsInput } from './topology/options.js';

function integer(min: number, max: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    }
    return parsed;
  };
}

export interface UpFlags {
  proxy: TopologyOptionsInput['proxy'];
  replicas: number;
  redis: TopologyOptionsInput['redis'];
  stickiness: TopologyOptionsInput['stickiness'];
  history: 'on' | 'off';
  pingIntervalMs?: number;
  tunnelTimeoutMs?: number;
  connectTimeoutMs?: number;
  drainWindowMs?: number;
  stack?: string;
  detach?: boolean;
  supervised?: boolean;
}

/**
 * The topology settings of `up`: defaults, then the stack file (`--stack`),
 * then the flags given on the command line, which win over both.
 */
export function settingsFromFlags(
  flags: UpFlags,
  fromCommandLine: (key: string) => boolean,
): Omit<TopologyOptionsInput, 'dir'> {
  const fromFlags: Omit<TopologyOptionsInput, 'dir'> = {
    proxy: flags.proxy,
    replicas: flags.replicas,
    redis: flags.redis,
    stickiness: flags.stickiness,
    history: flags.history === 'on',
    ...(flags.pingIntervalMs === undefined ? {} : { pingIntervalMs: flags.pingIntervalMs }),
    ...(flags.tunnelTimeoutMs === undefined ? {} : { tunnelTimeoutMs: flags.tunnelTimeoutMs }),
    ...(flags.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: flags.connectTimeoutMs }),
    ...(flags.drainWindowMs === undefined ? {} : { drainWindowMs: flags.drainWindowMs }),
  };
  if (!flags.stack) return fromFlags;
  const explicit = Object.fromEntries(Object.entries(fromFlags).filter(([key]) => fromCommandLine(key)));
  return { ...fromFlags, ...settingsFromStack(process.cwd(), flags.stack), ...explicit };
}

/** Builds the command tree (exported for tests of the parsing). */
export function buildProgram(): Command {
  const program = new Command('wslab')
    .description('WebSocket scaling lab: local topology, faults, experiments and reports')
    .showHelpAfterError();

  program
    .command('up')
    .description('start Redis, the replicas and the proxies on 127.0.0.1 (foreground: Ctrl-C stops all)')
    .addOption(new Option('--proxy <proxy>', 'proxy in front').choices(PROXY_CHOICES).default('haproxy'))
    .option('--replicas <n>', 'service replicas', integer(1, 16), 2)
    .addOption(
      new Option('--redis <mode>', 'one Redis or a 6-node cluster').choices(REDIS_MODES).default('single'),
    )
    .addOption(
      new Option('--stickiness <mode>', 'proxy stickiness').choices(STICKINESS_MODES).default('none'),
    )
    .addOption(
      new Option('--history <on|off>', 'per-room history for resume').choices(['on', 'off']).default('on'),
    )
    .option('--ping-interval-ms <ms>', 'server ping interval (0 = none)', integer(0, 3_600_000))
    .option(
      '--tunnel-timeout-ms <ms>',
      'proxy idle timeout of WebSocket connections',
      integer(1_000, 86_400_000),
    )
    .option('--connect-timeout-ms <ms>', 'proxy connect timeout to a replica', integer(100, 60_000))
    .option('--drain-window-ms <ms>', 'replica drain window on SIGTERM', integer(0, 600_000))
    .option('--stack <name>', 'read the settings from Pulumi.<name>.yaml (what `pulumi up` deploys)')
    .option('-d, --detach', 'start in the background and return; stop with `wslab down`')
    .addOption(new Option('--supervised').hideHelp())
    .action(async (flags: UpFlags, command: Command) => {
      const dir = labDir();
      const settings = settingsFromFlags(flags, (key) => command.getOptionValueSource(key) === 'cli');
      if (flags.detach) {
        const state = await upDetached(dir, process.argv.slice(2), fileURLToPath(import.meta.url));
        process.stdout.write(
          `${describeUp(state)}\nDetached (supervisor pid ${state.supervisorPid}); stop with: npm run wslab -- down\n`,
        );
        return;
      }
      await upForeground(dir, settings, flags.supervised === true);
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
    .action(async (names: string[], flags: { short?: boolean; arrivals: ArrivalModel; out: string }) => {
      stopEverythingOnSignals();
      const written = await runExperiments(names, {
        mode: flags.short ? 'short' : 'full',
        arrivals: flags.arrivals,
        reportsDir: flags.out,
      });
      for (const report of written) process.stdout.write(`report: ${report.htmlPath}\n`);
    });

  program
    .command('report')
    .description('re-render report.md, charts and index.html from <dir>/result.json')
    .argument('<dir>', 'a reports/<timestamp>-<experiment> directory')
    .action(async (dir: string) => {
      const written = await rerenderReport(dir);
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
