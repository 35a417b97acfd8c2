import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManagedProcess } from '../../runtime/managed-process.js';
import { freePort } from '../../runtime/ports.js';
import { waitFor } from '../../runtime/wait-for.js';
import { execForm, parseDockerfile } from './dockerfile.js';
import { REPO_ROOT } from './harness.js';

const run = promisify(execFile);

/**
 * No Docker engine here, so the image is rehearsed without it: app/Dockerfile's own compile
 * step (its RUN line, verbatim) builds into a /build-like directory, the output is laid out
 * as the runtime stage's COPYs lay it out, and the runtime stage's CMD and HEALTHCHECK are
 * run against it. What this proves: the image's start command works without tsx, the Lua
 * assets are found, the health check passes on a live service and fails on a dead one, and
 * SIGTERM (the STOPSIGNAL) ends the service within the stop timeout.
 */
describe('app/Dockerfile rehearsed without Docker', () => {
  const instructions = parseDockerfile(`${REPO_ROOT}app/Dockerfile`);
  const finalStage = Math.max(...instructions.map((instruction) => instruction.stage));
  const tmp = mkdtempSync(join(tmpdir(), 'wslab-dockerfile-'));
  const build = join(tmp, 'build');
  const srv = join(tmp, 'srv');
  let service: ManagedProcess;
  let port: number;
  const drainWindowMs = 500;

  beforeAll(async () => {
    // COPY package.json …, RUN npm ci (node_modules: the repository's, linked), COPY app ./app
    // (minus what .dockerignore leaves out).
    mkdirSync(build);
    cpSync(`${REPO_ROOT}package.json`, join(build, 'package.json'));
    cpSync(`${REPO_ROOT}package-lock.json`, join(build, 'package-lock.json'));
    symlinkSync(`${REPO_ROOT}node_modules`, join(build, 'node_modules'));
    cpSync(`${REPO_ROOT}app`, join(build, 'app'), {
      recursive: true,
      filter: (source) =>
        !source.includes('/app/test') && !source.endsWith('.test.ts') && !source.endsWith('Dockerfile'),
    });
    const compile = instructions.find((i) => i.keyword === 'RUN' && i.args.startsWith('npx tsc'))!;
    // Everything but the final production-only `npm ci`, which would rewrite the shared node_modules.
    const prune = / && npm ci --workspace app --omit=dev[^&]*$/;
    expect(compile.args).toMatch(prune);
    const steps = compile.args.replace(prune, '').replaceAll('/build/', `${build}/`);
    execFileSync('sh', ['-c', steps], { cwd: build, stdio: 'pipe' });
    // The runtime stage: app/package.json, production node_modules, dist/ at the workdir.
    cpSync(join(build, 'dist'), srv, { recursive: true });
    cpSync(`${REPO_ROOT}app/package.json`, join(srv, 'app', 'package.json'));
    symlinkSync(`${REPO_ROOT}node_modules`, join(srv, 'node_modules'));

    const cmd = execForm(instructions.find((i) => i.stage === finalStage && i.keyword === 'CMD')!.args)!;
    expect(cmd[0]).toBe('node');
    port = await freePort();
    service = new ManagedProcess({
      name: 'dockerfile-cmd',
      command: process.execPath,
      args: cmd.slice(1),
      cwd: srv,
      logDir: join(tmp, 'logs'),
      // The image sets HOST=0.0.0.0; this machine may only use loopback.
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(port),
        BUS_MODE: 'memory',
        LOG_LEVEL: 'warn',
        DRAIN_WINDOW_MS: String(drainWindowMs),
      },
    });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, {
      timeoutMs: 20_000,
      description: 'compiled service answering /healthz',
    });
  });

  afterAll(async () => {
    await service?.stop('SIGKILL');
    rmSync(tmp, { recursive: true, force: true });
  });

  const healthcheck = () => {
    const args = instructions.find((i) => i.stage === finalStage && i.keyword === 'HEALTHCHECK')!.args;
    const command = execForm(args.slice(args.indexOf('CMD ') + 4))!;
    return run(process.execPath, command.slice(1), {
      env: { PATH: process.env.PATH, PORT: String(port) },
    }).then(
      () => 0,
      (error: { code?: number }) => error.code ?? -1,
    );
  };

  it('compiles app/src with the Lua scripts next to the output', () => {
    expect(() => execFileSync('test', ['-f', join(srv, 'app/src/bus/lua/publish.lua')])).not.toThrow();
    expect(service.running).toBe(true);
  });

  it('passes its HEALTHCHECK while the service is up', async () => {
    expect(await healthcheck()).toBe(0);
  });

  it('stops on SIGTERM within the drain window plus margin, then fails the HEALTHCHECK', async () => {
    const started = Date.now();
    service.killNow('SIGTERM');
    const exit = await service.exited;
    expect(Date.now() - started).toBeLessThan(drainWindowMs + 5_000);
    expect(exit.code).toBe(0);
    expect(await healthcheck()).toBe(1);
  });
});
