/**
 * The k6 scripts are type-checked against @types/k6 (their own tsconfig: k6 globals, no Node),
 * bundle into self-contained modules whose only imports are k6's, and the shared scenario
 * modules they import stay free of Node APIs.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleK6Scripts, K6_SCRIPTS } from '../k6-bundle.js';
import { loadK6Script } from './k6-shim/harness.js';

const run = promisify(execFile);
const outDir = mkdtempSync(join(tmpdir(), 'wslab-k6-'));

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('k6 scripts', () => {
  it('type-check against @types/k6', async () => {
    const tsc = join(process.cwd(), 'node_modules', '.bin', 'tsc');
    const { stdout } = await run(tsc, ['-p', 'loadtests/k6/tsconfig.json']).catch(
      (error: { stdout: string }) => {
        throw new Error(`tsc -p loadtests/k6/tsconfig.json failed:\n${error.stdout}`);
      },
    );
    expect(stdout).toBe('');
  }, 60_000);

  it('bundle into modules that import nothing but k6', async () => {
    const paths = await bundleK6Scripts(outDir);
    expect(paths).toHaveLength(K6_SCRIPTS.length);
    for (const path of paths) {
      const code = readFileSync(path, 'utf8');
      const imports = [...code.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]);
      expect(imports.length).toBeGreaterThan(0);
      for (const specifier of imports) expect(specifier).toMatch(/^k6(\/|$)/);
      // Each script exports its options and the exec functions its named scenarios name.
      expect(code).toMatch(/export \{[^}]*options/);
    }
  });

  it('take the arrival model from ARRIVALS and reject an unknown one with one message', async () => {
    const poisson = await loadK6Script('fanout', { ARRIVALS: 'poisson', MAX_LAG_P99_MS: '20' }, outDir);
    expect(poisson.module.options.thresholds.scheduling_lag_ms).toEqual(['p(99)<20']);
    await expect(loadK6Script('failover', { ARRIVALS: 'steady' }, outDir)).rejects.toThrow(
      'ARRIVALS: one of uniform, poisson, burst: steady',
    );
  });

  it('share scenario modules that use no Node API', () => {
    const dir = join(process.cwd(), 'loadtests', 'scenarios');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
      const code = readFileSync(join(dir, file), 'utf8');
      expect(code, file).not.toMatch(/from 'node:|process\.|Buffer|require\(/);
    }
  });
});
