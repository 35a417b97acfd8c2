/**
 * Runs the bundled k6 scripts in Node for tests: k6's modules are swapped for the shims in this
 * directory at bundle time, the harness plays k6's executors (calls each VU's exec function with
 * its iteration index), and returns every metric sample. k6 itself is never needed.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const shimDir = fileURLToPath(new URL('./', import.meta.url));

export interface K6Module {
  options: { scenarios: Record<string, Record<string, unknown>>; thresholds: Record<string, string[]> };
  [exec: string]: unknown;
}

export interface Shimmed {
  module: K6Module;
  samples: Map<string, number[]>;
  execution: { scenario: { iterationInTest: number; startTime: number } };
}

/** Bundles `loadtests/k6/<script>.ts` with the shims and imports it with `env` as `__ENV`. */
export async function loadK6Script(
  script: string,
  env: Record<string, string>,
  outDir: string,
): Promise<Shimmed> {
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `${script}-${Date.now()}.mjs`);
  await build({
    entryPoints: [fileURLToPath(new URL(`../../k6/${script}.ts`, import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile,
    logLevel: 'warning',
    // One shared copy of the shims: the harness imports the same registry the script writes to.
    external: [join(shimDir, '*')],
    plugins: [
      {
        name: 'k6-shim',
        setup(builder) {
          builder.onResolve({ filter: /^k6\// }, (args) => ({
            path: join(shimDir, `${args.path.slice(3)}.ts`),
            external: true,
          }));
        },
      },
    ],
  });
  (globalThis as { __ENV?: Record<string, string> }).__ENV = env;
  const module = (await import(pathToFileURL(outfile).href)) as K6Module;
  const metrics = (await import(pathToFileURL(join(shimDir, 'metrics.ts')).href)) as {
    samples: Map<string, number[]>;
  };
  const execution = (await import(pathToFileURL(join(shimDir, 'execution.ts')).href)) as {
    default: Shimmed['execution'];
  };
  return { module, samples: metrics.samples, execution: execution.default };
}

/**
 * Starts a scenario now (its `startTime`, which publishers count their schedule from) and calls
 * `exec` once per VU iteration, as k6's per-vu-iterations executor with one iteration would.
 */
export function runIterations(shimmed: Shimmed, exec: string, count: number): void {
  const fn = shimmed.module[exec];
  if (typeof fn !== 'function') throw new Error(`k6 script has no exec function '${exec}'`);
  shimmed.execution.scenario.startTime = Date.now();
  for (let i = 0; i < count; i += 1) {
    shimmed.execution.scenario.iterationInTest = i;
    (fn as () => void)();
  }
}

export function sum(samples: Map<string, number[]>, name: string): number {
  return (samples.get(name) ?? []).reduce((a, b) => a + b, 0);
}
