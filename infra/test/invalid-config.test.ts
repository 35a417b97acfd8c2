import * as pulumi from '@pulumi/pulumi';
import { beforeEach, describe, expect, it, vi } from 'vitest';

/**
 * The Pulumi program itself refuses bad stack config before creating anything, with the
 * parser's exact message (the same the lab prints for `wslab up --stack`).
 */
describe('infra/index.ts with invalid stack config (mocks)', () => {
  const registered: string[] = [];

  beforeEach(async () => {
    registered.length = 0;
    // A fresh program module per case: the entry file runs once per import.
    vi.resetModules();
    await pulumi.runtime.setMocks(
      {
        newResource(args) {
          registered.push(args.name);
          return { id: `${args.name}-id`, state: args.inputs };
        },
        call: (args) => args.inputs,
      },
      'wslab',
      'invalid',
      false,
    );
  });

  async function runWith(config: Record<string, string>): Promise<unknown> {
    pulumi.runtime.setAllConfig(config);
    return import('../index.js');
  }

  it('replicas 0', async () => {
    await expect(runWith({ 'wslab:proxy': 'haproxy', 'wslab:replicas': '0' })).rejects.toThrow(
      'invalid stack config in stack invalid:\n  wslab:replicas must be an integer from 1 to 32, got "0"',
    );
    expect(registered).toEqual([]);
  });

  it('unknown proxy', async () => {
    await expect(runWith({ 'wslab:proxy': 'traefik' })).rejects.toThrow(
      'invalid stack config in stack invalid:\n  wslab:proxy must be one of haproxy|nginx, got "traefik"',
    );
    expect(registered).toEqual([]);
  });

  it('stickiness the proxy cannot do', async () => {
    await expect(runWith({ 'wslab:proxy': 'nginx', 'wslab:stickiness': 'sticky-route' })).rejects.toThrow(
      'invalid stack config in stack invalid:\n  wslab:stickiness "sticky-route" is not supported by nginx; use one of none|cookie|source|room',
    );
    expect(registered).toEqual([]);
  });

  it('a misspelt key (pulumi config set wslab:replica 5)', async () => {
    await expect(runWith({ 'wslab:proxy': 'haproxy', 'wslab:replica': '5' })).rejects.toThrow(
      'invalid stack config in stack invalid:\n  wslab:replica is not a known key',
    );
    expect(registered).toEqual([]);
  });

  it('missing proxy: Pulumi names the key to set', async () => {
    await expect(runWith({ 'wslab:replicas': '2' })).rejects.toThrow(
      "Missing required configuration variable 'wslab:proxy'",
    );
  });
});
