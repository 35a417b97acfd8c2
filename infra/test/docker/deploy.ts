/**
 * One `pulumi up` (or `destroy`) of infra/index.ts against the private engine, in its own
 * process (the Pulumi runtime's settings and the program module are per process):
 *   tsx infra/test/docker/deploy.ts <request.json>
 * The request names the stack, its config, the state file and the action; the result (ok or the
 * error, the steps taken, the stack outputs) is written to `<request>.result.json`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as pulumi from '@pulumi/pulumi';
import Docker from 'dockerode';
import { outputValue } from '../harness.js';
import { type EngineState, RealEngineProvider, type Step } from './provider.js';
import { settle } from './settle.js';

export interface DeployRequest {
  action: 'up' | 'destroy';
  stack: string;
  config: Record<string, string>;
  statePath: string;
  socket: string;
  /** Drop state entries whose object is gone first (`pulumi up --refresh`). */
  refresh?: boolean;
  /** The program's entry (default infra/index.ts; another checkout's, to show a bug before its fix). */
  program?: string;
  /** Container name → command that replaces the declared one (forcing a failure). */
  commandOverrides?: Record<string, string[]>;
}

export interface DeployResult {
  ok: boolean;
  error?: string;
  steps: Step[];
  outputs: Record<string, unknown>;
  refreshed: string[];
}

async function main(requestPath: string): Promise<void> {
  const request = JSON.parse(readFileSync(requestPath, 'utf8')) as DeployRequest;
  const state: EngineState = existsSync(request.statePath)
    ? (JSON.parse(readFileSync(request.statePath, 'utf8')) as EngineState)
    : { entries: [], nextSeq: 0 };
  const log = (line: string) => process.stderr.write(`    [${request.stack}] ${line}\n`);
  const provider = new RealEngineProvider(
    new Docker({ socketPath: request.socket }),
    state,
    log,
    request.commandOverrides ?? {},
  );
  const result: DeployResult = { ok: true, steps: provider.steps, outputs: {}, refreshed: [] };
  const save = () => {
    writeFileSync(request.statePath, JSON.stringify(state, null, 2));
    writeFileSync(`${requestPath}.result.json`, JSON.stringify(result, null, 2));
  };
  try {
    if (request.action === 'destroy') {
      await provider.destroy();
    } else {
      if (request.refresh === true) result.refreshed = await provider.refresh();
      result.outputs = await runProgram(provider, request);
      await provider.deleteUnseen();
    }
  } catch (error) {
    result.ok = false;
    result.error = error instanceof Error ? error.message : String(error);
  }
  save();
  // The outcome is the result file. Pending registrations (a failed run leaves them on purpose;
  // a good one leaves the components' registerOutputs) must not keep the process alive, and
  // Pulumi's exit-time leak report is about the engine session this harness does not have.
  process.removeAllListeners('exit');
  process.exit(result.ok ? 0 : 1);
}

/** How long a failed run must be idle (nothing registered, nothing under way) before it counts as settled. */
const SETTLE_MS = 10_000;

/**
 * Runs the program under the real-engine mocks. As under `pulumi up`, an error (the program
 * throwing, an apply rejecting, a resource the provider could not create) is reported and the
 * program keeps going: whatever else it registers is still created. The run ends when every
 * stack output resolved, or, after an error, once nothing was registered for SETTLE_MS
 * (settle.ts); then it fails with the errors.
 */
async function runProgram(
  provider: RealEngineProvider,
  request: DeployRequest,
): Promise<Record<string, unknown>> {
  const errors: unknown[] = [];
  process.on('unhandledRejection', (reason) => errors.push(reason));
  const originalError = pulumi.log.error;
  pulumi.log.error = (message, resource, streamId, ephemeral) => {
    errors.push(new Error(message));
    return originalError(message, resource, streamId, ephemeral);
  };
  await pulumi.runtime.setMocks(provider, 'wslab', request.stack, false);
  pulumi.runtime.setAllConfig(request.config, []);
  let outputs: Record<string, unknown> | undefined;
  const run = async () => {
    const entry = request.program ?? new URL('../../index.ts', import.meta.url).pathname;
    const exports = { ...((await import(entry)) as Record<string, unknown>) };
    const resolved: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(exports)) {
      resolved[key] = pulumi.Output.isInstance(value) ? await outputValue(value) : value;
    }
    outputs = resolved;
  };
  run().catch((error: unknown) => errors.push(error));
  return settle({ errors, outputs: () => outputs }, provider.activity, { settleMs: SETTLE_MS });
}

await main(process.argv[2]!);
