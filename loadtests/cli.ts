/**
 * The load runner's command line.
 *
 *   npx tsx loadtests/cli.ts fanout --url ws://127.0.0.1:8080/ws --subscribers 500 --out reports/fanout.json
 *
 * Every scenario parameter is a flag (kebab-case of the name in loadtests/scenarios/).
 * Prints a short summary (and the JSON with --json); exits 1 when a threshold fails, 2 on error,
 * 3 when the run is invalid (the runner fell behind its own send schedule).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { exitCodeOf, formatSummary, runScenario } from './runner/index.js';
import type { SourceAddresses } from './runner/source-addresses.js';
import { SCHEDULING_LAG_P99_BOUND_MS } from './scenarios/arrivals.js';
import { SCENARIO_NAMES, SCENARIOS, type ScenarioName } from './scenarios/index.js';

const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function parseNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new InvalidArgumentError('not a number');
  return parsed;
}

function parseBoolean(value: string): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new InvalidArgumentError('true or false');
}

/** `16` → a count; `127.0.0.5,127.0.0.9` → a list (validated by the runner: one exact message). */
function parseSourceAddresses(value: string): SourceAddresses {
  return /^\d+$/.test(value.trim()) ? Number(value) : value.split(',').map((address) => address.trim());
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

const program = new Command('loadtests')
  .description('Run a wslab load scenario against any WebSocket URL')
  .showHelpAfterError()
  .exitOverride();

for (const name of SCENARIO_NAMES) {
  const definition = SCENARIOS[name];
  const command = program
    .command(name)
    .description(definition.description)
    .requiredOption(
      '--url <ws-url>',
      'target WebSocket URL; repeat to spread clients over several',
      collect,
      [],
    )
    .option('--server-pid <pid>', 'server pid for CPU/RSS (repeatable)', collect, [])
    .option('--metrics-url <url>', 'server Prometheus /metrics URL (repeatable; when no pid)', collect, [])
    .option('--label <name>', 'target name in the result')
    .option('--shards <n>', 'client processes (default: auto)', parseNumber)
    .option('--out <file>', 'write the JSON result here')
    .option('--json', 'print the JSON result on stdout instead of the summary')
    .option('--no-progress', 'no progress line')
    .option('--no-cookies', 'clients keep no cookie jar (default: one per client, like browsers)')
    .option(
      '--source-addresses <n|list>',
      'bind clients round-robin to 127.0.0.1…127.0.0.N, or to a comma list of 127.x.y.z (default 1: OS picks)',
      parseSourceAddresses,
    )
    .exitOverride();
  if ('arrivals' in definition.defaults) {
    command
      .option(
        '--max-lag-p99-ms <ms>',
        `mark the run invalid when the runner's scheduling lag p99 exceeds this (default ${SCHEDULING_LAG_P99_BOUND_MS})`,
        parseNumber,
      )
      .option(
        '--arrival-seed <n>',
        'seed of the Poisson arrival gaps (default: random, recorded)',
        parseNumber,
      );
  }
  for (const [key, value] of Object.entries(definition.defaults)) {
    const flag = `--${kebab(key)} <value>`;
    const description = `${key} (default ${String(value)})`;
    const choices = definition.choices?.[key];
    if (choices) command.addOption(new Option(flag, description).choices(choices));
    else if (typeof value === 'boolean') command.option(flag, description, parseBoolean);
    else command.option(flag, description, parseNumber);
  }
  command.action(async (flags: Record<string, unknown>) => {
    const params: Record<string, unknown> = {};
    for (const key of Object.keys(definition.defaults))
      if (flags[key] !== undefined) params[key] = flags[key];
    const result = await runScenario(
      name as ScenarioName,
      params,
      {
        url: flags.url as string[],
        serverPids: (flags.serverPid as string[]).map(Number),
        metricsUrls: flags.metricsUrl as string[],
        ...(typeof flags.label === 'string' ? { label: flags.label } : {}),
        // From the env, not a flag: argv is visible to every local user (`wslab token` mints one).
        ...(process.env.WSLAB_TOKEN ? { token: process.env.WSLAB_TOKEN } : {}),
      },
      {
        ...(typeof flags.shards === 'number' ? { shards: flags.shards } : {}),
        ...(flags.progress === false ? { progress: false } : {}),
        ...(flags.cookies === false ? { cookies: false } : {}),
        ...(flags.sourceAddresses === undefined
          ? {}
          : { sourceAddresses: flags.sourceAddresses as SourceAddresses }),
        ...(typeof flags.maxLagP99Ms === 'number' ? { maxLagP99Ms: flags.maxLagP99Ms } : {}),
        ...(typeof flags.arrivalSeed === 'number' ? { arrivalSeed: flags.arrivalSeed } : {}),
      },
    );
    const json = `${JSON.stringify(result, null, 2)}\n`;
    if (typeof flags.out === 'string') {
      mkdirSync(dirname(flags.out), { recursive: true });
      writeFileSync(flags.out, json);
    }
    process.stdout.write(flags.json ? json : `${formatSummary(result)}\n`);
    process.exitCode = exitCodeOf(result);
  });
}

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) {
    // Help and version exit 0; usage errors (already printed by commander) exit 2 like run errors.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
    return;
  }
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
