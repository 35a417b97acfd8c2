import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, stackFileConfig, TYPES } from './harness.js';

const run = promisify(execFile);

interface Outcome {
  error?: string;
  registered: { type: string; name: string }[];
}

/** infra/index.ts under mocks in a child process (gated-program.ts) with the given exit code. */
async function deploy(createExitCode: number, config: Record<string, string>): Promise<Outcome> {
  // The exit status is not the outcome: Pulumi's exit hook sets 1 when registrations are left
  // pending, which a failed update does on purpose. The outcome is the JSON line.
  const { stdout } = await run(
    process.execPath,
    [
      '--import',
      'tsx',
      `${REPO_ROOT}infra/test/gated-program.ts`,
      String(createExitCode),
      JSON.stringify(config),
    ],
    { cwd: REPO_ROOT, timeout: 60_000 },
  ).catch((error: { stdout: string }) => error);
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Outcome;
}

const containers = (outcome: Outcome) =>
  outcome.registered.filter((r) => r.type === TYPES.container).map((r) => r.name);

/**
 * The Docker provider reports the one-shot cluster creation's exit code as an output, never as
 * an error; the program must turn a non-zero code into a failed update before any replica or
 * proxy exists (D4). And a host port in cluster mode is refused before any container (D5).
 */
describe('infra/index.ts: Redis readiness gates the replicas (mocks)', () => {
  it('creates replicas and proxy when the cluster creation exits 0', async () => {
    const outcome = await deploy(0, stackFileConfig('haproxy'));
    expect(outcome.error).toBeUndefined();
    expect(containers(outcome)).toEqual(expect.arrayContaining(['app-app-1', 'proxy-proxy']));
  });

  it('fails the update and creates no replica or proxy when the cluster creation exits non-zero', async () => {
    const outcome = await deploy(3, stackFileConfig('haproxy'));
    expect(outcome.error).toContain('redis-cli --cluster create exited with 3');
    expect(containers(outcome)).toContain('redis-cluster-create');
    expect(containers(outcome).filter((name) => /^(app|proxy)-/.test(name))).toEqual([]);
  });

  it('refuses redisHostPort in cluster mode before creating any container (D5)', async () => {
    const outcome = await deploy(0, { ...stackFileConfig('haproxy'), 'wslab:redisHostPort': '6379' });
    expect(outcome.error).toContain('redisHostPort (6379) works with redisMode single only');
    expect(containers(outcome)).toEqual([]);
  });
});
