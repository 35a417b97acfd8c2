import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from './harness.js';

const run = promisify(execFile);

interface ProjectFile {
  name: string;
  main: string;
  runtime: { name: string; options: { typescript: boolean; nodeargs: string } };
}

/**
 * Pulumi itself cannot run here, but the way Pulumi.yaml tells it to load the program can:
 * with `typescript: false` in an ESM package, Pulumi's Node.js host runs `node <nodeargs> …`
 * and `import()`s `main`, handing config over in the PULUMI_CONFIG environment variable.
 */
describe('Pulumi.yaml entry point', () => {
  const project = parseYaml(readFileSync(`${REPO_ROOT}Pulumi.yaml`, 'utf8')) as ProjectFile;

  it('is a Node.js project whose main exists, loaded by tsx instead of ts-node', () => {
    expect(project.name).toBe('wslab');
    expect(project.runtime.name).toBe('nodejs');
    expect(project.runtime.options).toEqual({ typescript: false, nodeargs: '--import tsx' });
    expect(existsSync(`${REPO_ROOT}${project.main}`)).toBe(true);
    const packageJson = JSON.parse(readFileSync(`${REPO_ROOT}package.json`, 'utf8')) as { type: string };
    // Pulumi uses import() (not require) for the entry only in an ES module package.
    expect(packageJson.type).toBe('module');
  });

  it('loads under `node <nodeargs>` with config from PULUMI_CONFIG, and validates it', async () => {
    const outcome = await run(
      process.execPath,
      [
        ...project.runtime.options.nodeargs.split(' '),
        '--input-type=module',
        '-e',
        `await import(${JSON.stringify(pathToFileURL(`${REPO_ROOT}${project.main}`).href)})`,
      ],
      {
        cwd: REPO_ROOT,
        env: {
          PATH: process.env.PATH,
          PULUMI_NODEJS_PROJECT: 'wslab',
          PULUMI_NODEJS_STACK: 'entry',
          PULUMI_CONFIG: JSON.stringify({ 'wslab:proxy': 'haproxy', 'wslab:replicas': '0' }),
        },
        timeout: 60_000,
      },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    // Every module resolved (tsx, NodeNext `.js` specifiers, @pulumi/*); the program read the
    // stack config and refused it with the parser's message before touching any resource.
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain(
      'invalid stack config in stack entry:\n  wslab:replicas must be an integer from 1 to 32, got "0"',
    );
  });
});
