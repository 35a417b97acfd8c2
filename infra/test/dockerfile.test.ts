import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SPEC_DEFAULTS } from '../../topology/fields.js';
import { HEALTHCHECK_COMMAND, HEALTHCHECK_TIMING } from '../components/ws-service.js';
import { execForm, type Instruction, parseDockerfile } from './dockerfile.js';
import { REPO_ROOT } from './harness.js';

// No image can be built on this machine (no Docker engine): app/Dockerfile is checked statically,
// and dockerfile.e2e.test.ts runs its compile step and runtime command without Docker.
const instructions = parseDockerfile(`${REPO_ROOT}app/Dockerfile`);
const finalStage = Math.max(...instructions.map((instruction) => instruction.stage));
const inFinal = (keyword: string): Instruction[] =>
  instructions.filter((instruction) => instruction.stage === finalStage && instruction.keyword === keyword);
const one = (keyword: string): Instruction => {
  const found = inFinal(keyword);
  expect(found, `exactly one ${keyword} in the final stage`).toHaveLength(1);
  return found[0]!;
};
interface PackageJson {
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  workspaces?: string[];
}
const readPackage = (path: string): PackageJson => JSON.parse(readFileSync(path, 'utf8')) as PackageJson;
/** The service's own package: what the image installs. */
const appPackage = readPackage(`${REPO_ROOT}app/package.json`);

describe('app/Dockerfile (static)', () => {
  it('pins the base image to an exact Node.js release (tag x.y.z, optionally @sha256)', () => {
    const arg = instructions.find(
      (i) => i.stage === -1 && i.keyword === 'ARG' && i.args.startsWith('NODE_IMAGE='),
    );
    expect(arg).toBeDefined();
    const image = arg!.args.slice('NODE_IMAGE='.length);
    expect(image).toMatch(/^node:\d+\.\d+\.\d+-bookworm-slim(@sha256:[a-f0-9]{64})?$/);
    // The Pulumi program passes the same default as the build arg.
    expect(image).toBe(SPEC_DEFAULTS.nodeImage);
    const froms = instructions.filter((i) => i.keyword === 'FROM');
    for (const from of froms) expect(from.args).toMatch(/^\$\{NODE_IMAGE\} AS \w+$/);
  });

  it('is multi-stage: the final stage copies build output, not sources or devDependencies', () => {
    const froms = instructions.filter((i) => i.keyword === 'FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    const copies = inFinal('COPY');
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) expect(copy.args).toMatch(/^--from=build /);
    const buildRuns = instructions
      .filter((i) => i.stage < finalStage && i.keyword === 'RUN')
      .map((i) => i.args);
    // Only the service workspace's production dependencies reach the final stage.
    expect(buildRuns.join('\n')).toContain('npm ci --workspace app --omit=dev --omit=optional');
  });

  it('runs as a non-root user', () => {
    const users = inFinal('USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users.at(-1)!.args;
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    // And after every COPY/RUN of the final stage, so nothing later runs as root by accident.
    const finalInstructions = instructions.filter((i) => i.stage === finalStage);
    const lastUser = finalInstructions.findLastIndex((i) => i.keyword === 'USER');
    expect(finalInstructions.slice(lastUser).some((i) => i.keyword === 'RUN' || i.keyword === 'COPY')).toBe(
      false,
    );
  });

  it('health-checks /healthz with node (slim images have no curl), like the Pulumi container', () => {
    const healthcheck = one('HEALTHCHECK').args;
    const command = execForm(healthcheck.slice(healthcheck.indexOf('CMD ') + 4));
    expect(command?.[0]).toBe('node');
    expect(command?.join(' ')).toContain('/healthz');
    // The same timing as the Pulumi container's healthcheck.
    const flag = (name: string) => healthcheck.match(new RegExp(`--${name}=(\\S+)`))?.[1];
    expect({
      interval: flag('interval'),
      timeout: flag('timeout'),
      startPeriod: flag('start-period'),
      retries: Number(flag('retries')),
    }).toEqual(HEALTHCHECK_TIMING);
    expect(HEALTHCHECK_COMMAND.slice(1, 3)).toEqual(command?.slice(0, 2));
  });

  it('stops with SIGTERM and runs the service in exec form (PID 1 gets the signal)', () => {
    expect(one('STOPSIGNAL').args).toBe('SIGTERM');
    const cmd = execForm(one('CMD').args);
    expect(cmd).toBeDefined();
    expect(cmd![0]).toBe('node');
    expect(inFinal('ENTRYPOINT')).toHaveLength(0);
  });

  it('runs compiled JavaScript: no devDependency (tsx) is needed at runtime', () => {
    const cmd = execForm(one('CMD').args)!;
    const script = cmd.at(-1)!;
    expect(script).toBe('app/src/main.js');
    for (const argument of cmd) {
      // tsx is a devDependency, pruned from the image; running it would fail at start.
      if (argument.includes('tsx')) expect(appPackage.dependencies).toHaveProperty('tsx');
    }
    const compile = instructions.find((i) => i.keyword === 'RUN' && i.args.startsWith('npx tsc'))!;
    expect(compile.args).toContain('app/src/main.ts');
    expect(compile.args).toContain('--outDir dist --rootDir .');
  });

  it("compiles with the repository's strictness (flags mirror tsconfig.json)", () => {
    const tsconfig = JSON.parse(readFileSync(`${REPO_ROOT}tsconfig.json`, 'utf8')) as {
      compilerOptions: Record<string, unknown>;
    };
    const compile = instructions.find((i) => i.keyword === 'RUN' && i.args.startsWith('npx tsc'))!.args;
    for (const [flag, value] of Object.entries(tsconfig.compilerOptions)) {
      if (value === true && flag !== 'noEmit') expect(compile, flag).toContain(`--${flag}`);
    }
    expect(compile).toContain(`--module ${String(tsconfig.compilerOptions.module).toLowerCase()}`);
  });

  it('listens on 0.0.0.0:8080 by default inside the container', () => {
    const env = inFinal('ENV')
      .map((i) => i.args)
      .join(' ');
    expect(env).toMatch(/HOST=0\.0\.0\.0/);
    expect(env).toMatch(/PORT=8080/);
    expect(one('EXPOSE').args).toBe('8080');
  });

  it('keeps the build context small (.dockerignore allow-list)', () => {
    const ignore = readFileSync(`${REPO_ROOT}.dockerignore`, 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    expect(ignore[0]).toBe('**');
    expect(ignore).toEqual(expect.arrayContaining(['!package.json', '!package-lock.json', '!app/']));
    expect(ignore.some((line) => line.includes('node_modules') && line.startsWith('!'))).toBe(false);
  });
});

describe('the service package (app/package.json)', () => {
  const bareImports = (dir: string): Set<string> => {
    const found = new Set<string>();
    for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts')) continue;
      const text = readFileSync(join(dir, file), 'utf8');
      for (const match of text.matchAll(/from '([^'.][^']*)'/g)) {
        const specifier = match[1]!;
        if (specifier.startsWith('node:')) continue;
        // '@scope/name/sub' → '@scope/name'; 'name/sub' → 'name'
        const parts = specifier.split('/');
        found.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
      }
    }
    return found;
  };

  it('is a workspace of the repository, so `npm ci --workspace app` installs it alone', () => {
    expect(readPackage(`${REPO_ROOT}package.json`).workspaces).toEqual(['app']);
  });

  it('declares exactly the packages app/src imports, and nothing optional (the image omits optional)', () => {
    expect(Object.keys(appPackage.dependencies).sort()).toEqual(
      [...bareImports(`${REPO_ROOT}app/src`)].sort(),
    );
    expect(appPackage.optionalDependencies ?? {}).toEqual({});
  });
});
