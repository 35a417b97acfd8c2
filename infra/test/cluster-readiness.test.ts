import * as pulumi from '@pulumi/pulumi';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { stackFileConfig, TYPES } from './harness.js';

/**
 * What the Pulumi engine does with a failed cluster creation (the Docker provider reports the
 * one-shot container's exit code as an output, never as an error) and with a host port in
 * cluster mode, under mocks.
 */
describe('infra/index.ts: Redis readiness gates the replicas (mocks)', () => {
  const registered: { type: string; name: string }[] = [];
  let createExitCode = 0;

  beforeEach(async () => {
    registered.length = 0;
    vi.resetModules();
    await pulumi.runtime.setMocks(
      {
        newResource(args) {
          registered.push({ type: args.type, name: args.name });
          const outputs: Record<string, unknown> =
            args.name === 'redis-cluster-create' ? { exitCode: createExitCode } : {};
          if (args.type === TYPES.password) outputs.result = 'mock-password-0123456789';
          return { id: `${args.name}-id`, state: { ...args.inputs, ...outputs } };
        },
        call: (args) => args.inputs,
      },
      'wslab',
      'haproxy',
      false,
    );
  });

  /** Runs the program; resolves with the first error the runtime reports, or undefined. */
  async function run(config: Record<string, string>): Promise<Error | undefined> {
    pulumi.runtime.setAllConfig(config);
    const failure = new Promise<Error>((resolve) => {
      const original = pulumi.log.error;
      vi.spyOn(pulumi.log, 'error').mockImplementation((message, resource) => {
        resolve(new Error(message));
        return original(message, resource);
      });
    });
    try {
      const program = (await import('../index.js')) as { proxyContainer: pulumi.Output<string> };
      const done = new Promise<undefined>((resolve) => program.proxyContainer.apply(() => resolve(undefined)));
      const settled = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 2_000));
      return await Promise.race([failure, done.then(() => settled).then(() => undefined)]);
    } catch (error) {
      return error as Error;
    }
  }

  it('creates replicas and proxy when the cluster creation exits 0', async () => {
    createExitCode = 0;
    expect(await run(stackFileConfig('haproxy'))).toBeUndefined();
    expect(registered.map((r) => r.name)).toEqual(expect.arrayContaining(['app-app-1', 'proxy-proxy']));
  });

  it('fails the update and creates no replica or proxy when the cluster creation exits non-zero', async () => {
    createExitCode = 3;
    const error = await run(stackFileConfig('haproxy'));
    expect(error?.message).toContain('redis-cli --cluster create exited with 3');
    // Give any registration that was (wrongly) not gated time to show up.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const names = registered.filter((r) => r.type === TYPES.container).map((r) => r.name);
    expect(names).toContain('redis-cluster-create');
    expect(names.filter((name) => name.startsWith('app-') || name.startsWith('proxy-'))).toEqual([]);
  });

  it('refuses redisHostPort in cluster mode before creating any container (D5)', async () => {
    const error = await run({ ...stackFileConfig('haproxy'), 'wslab:redisHostPort': '6379' });
    expect(error?.message).toContain('redisHostPort (6379) works with redisMode single only');
    expect(registered.filter((r) => r.type === TYPES.container)).toEqual([]);
  });
});
