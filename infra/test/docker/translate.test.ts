import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { runProgram, stackFileConfig, TYPES } from '../harness.js';
import { CAPS, STACKS } from './stacks.js';
import {
  type ContainerInputs,
  checkKnownFields,
  containerCreateOptions,
  durationNs,
  FIELDS,
  leafRules,
  type NetworkInputs,
  networkCreateOptions,
} from './translate.js';

/** Every config test:docker deploys, the capped one with each input the program sets only on request. */
const PROGRAM_CONFIGS: [string, Record<string, string>, string[]][] = [
  ...STACKS.map((stack): [string, Record<string, string>, string[]] => [stack, stackFileConfig(stack), []]),
  [
    'single-redis',
    {
      ...stackFileConfig('single-redis'),
      ...CAPS,
      'wslab:redisHostPort': '6381',
      'wslab:redisPassword': 'a-password-set-by-the-user-0123',
      'wslab:publishApiKey': 'publish-key-0123456789',
      'wslab:authJwtSecret': 'jwt-secret-0123456789-0123456789-0123',
    },
    ['wslab:redisPassword', 'wslab:publishApiKey', 'wslab:authJwtSecret'],
  ],
];

describe('real-engine translation: one table of every input field', () => {
  it.each(PROGRAM_CONFIGS)(
    'every input the program sets for %s (#%#) is applied or listed as ignored (a new field fails here first)',
    async (stack, config, secretKeys) => {
      vi.resetModules();
      const run = await runProgram(stack, config, secretKeys);
      const custom = run.resources.filter((r) => !r.type.startsWith('wslab:'));
      expect(custom.length).toBeGreaterThan(5);
      for (const resource of custom) checkKnownFields(resource.type, resource.name, resource.inputs);
      expect(run.byType(TYPES.container).length).toBeGreaterThan(3);
    },
  );

  it('fails an unknown field by its full path at any depth', () => {
    const container = 'docker:index/container:Container';
    expect(() => checkKnownFields(container, 'app-1', { name: 'x', privileged: true })).toThrow(
      'docker:index/container:Container app-1 sets privileged, which the translation does not know',
    );
    expect(() =>
      checkKnownFields(container, 'app-1', {
        name: 'x',
        healthcheck: { tests: ['CMD', 'true'], startInterval: '1s' },
        uploads: [
          { file: '/a', content: 'a' },
          { file: '/b', source: '/etc/b' },
        ],
        networksAdvanced: [{ name: 'n', ipv6Address: 'fd00::2' }],
      }),
    ).toThrow(
      'app-1 sets healthcheck.startInterval, uploads[1].source, networksAdvanced[0].ipv6Address, which the translation does not know',
    );
    expect(() =>
      checkKnownFields('docker:index/image:Image', 'app-image', {
        imageName: 'x',
        build: { context: '.', platform: 'linux/arm64' },
      }),
    ).toThrow('app-image sets build.platform, which the translation does not know');
    expect(() => checkKnownFields('docker:index/volume:Volume', 'data', {})).toThrow(
      'unknown resource type docker:index/volume:Volume (data)',
    );
  });

  it('fails a nested field of the wrong shape, and an ignored field set to a value ignoring would change', () => {
    expect(() =>
      checkKnownFields('docker:index/container:Container', 'c', { healthcheck: 'CMD true' }),
    ).toThrow('c sets healthcheck to "CMD true", not an object');
    expect(() =>
      checkKnownFields('docker:index/image:Image', 'app-image', { imageName: 'x', skipPush: false }),
    ).toThrow('app-image sets skipPush to false, which the real engine ignores');
    expect(() =>
      checkKnownFields('docker:index/remoteImage:RemoteImage', 'redis-image', {
        name: 'redis',
        keepLocally: true,
      }),
    ).not.toThrow();
  });

  it('lists a reason for every ignored field', () => {
    for (const table of Object.values(FIELDS)) {
      for (const { path, rule } of leafRules(table)) {
        if (rule.kind === 'ignored') expect(rule.why.length, path.join('.')).toBeGreaterThan(20);
        if (rule.kind === 'step') expect(rule.how.length, path.join('.')).toBeGreaterThan(5);
      }
    }
  });

  // Removing a field the table calls "body" must change the create body: it is really applied.
  it.each([
    ['docker:index/container:Container', SAMPLE_CONTAINER, containerCreateOptions],
    ['docker:index/network:Network', SAMPLE_NETWORK, networkCreateOptions],
  ] as const)('applies every %s field the table calls body', (type, sample, translate) => {
    const full = JSON.stringify(translate(sample as never));
    const leaves = leafRules(FIELDS[type]!).filter(({ rule }) => rule.kind === 'body');
    expect(leaves.length).toBeGreaterThan(3);
    for (const { path } of leaves) {
      const without = structuredClone(sample) as unknown as Record<string, unknown>;
      expect(removeAt(without, path), `the sample sets ${path.join('.')}`).toBe(true);
      const changed = JSON.stringify(translate(without as never));
      expect(isDeepStrictEqual(changed, full), `${path.join('.')} changes the body`).toBe(false);
    }
  });

  it('translates a container the way the provider does', () => {
    const body = containerCreateOptions({
      name: 'wslab-x-haproxy',
      image: 'sha256:abc',
      command: ['haproxy', '-f', '/c.cfg'],
      envs: ['A=1'],
      healthcheck: {
        tests: ['CMD', 'true'],
        interval: '5s',
        timeout: '500ms',
        retries: 3,
        startPeriod: '2s',
      },
      ports: [{ internal: 8080, external: 18080, ip: '127.0.0.1' }],
      networksAdvanced: [{ name: 'net', aliases: ['x'], ipv4Address: '10.213.1.10' }],
      ulimits: [{ name: 'nofile', soft: 100, hard: 200 }],
      labels: [{ label: 'k', value: 'v' }],
      restart: 'unless-stopped',
      init: true,
      memory: 256,
      memorySwap: 256,
      cpus: '0.5',
    });
    expect(body.Healthcheck).toEqual({
      Test: ['CMD', 'true'],
      Interval: 5e9,
      Timeout: 5e8,
      Retries: 3,
      StartPeriod: 2e9,
    });
    expect(body.HostConfig).toMatchObject({
      PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '18080' }] },
      NetworkMode: 'net',
      RestartPolicy: { Name: 'unless-stopped' },
      Init: true,
      Ulimits: [{ Name: 'nofile', Soft: 100, Hard: 200 }],
      Memory: 256 * 1024 * 1024,
      MemorySwap: 256 * 1024 * 1024,
      NanoCpus: 5e8,
    });
    expect(body.NetworkingConfig?.EndpointsConfig?.net).toEqual({
      Aliases: ['x'],
      IPAMConfig: { IPv4Address: '10.213.1.10' },
    });
    expect(body.Labels).toEqual({ k: 'v' });
    expect(() => durationNs('5 seconds')).toThrow('duration "5 seconds" is not a number with ms|s|m|h');
  });

  it('translates the network with its declared subnet', () => {
    expect(networkCreateOptions(SAMPLE_NETWORK).IPAM).toEqual({
      Driver: 'default',
      Config: [{ Subnet: '10.213.1.0/24', Gateway: '10.213.1.1', IPRange: '10.213.1.128/25' }],
    });
  });
});

/** Sets every field of the container table, each to a value unlike the engine's default. */
const SAMPLE_CONTAINER: ContainerInputs = {
  name: 'wslab-x-app-1',
  hostname: 'app-1',
  image: 'sha256:abc',
  command: ['node', 'main.js'],
  envs: ['A=1'],
  uploads: [{ file: '/etc/app.conf', content: 'x', permissions: '0600' }],
  healthcheck: { tests: ['CMD', 'true'], interval: '5s', timeout: '1s', retries: 3, startPeriod: '2s' },
  wait: true,
  waitTimeout: 30,
  restart: 'unless-stopped',
  networksAdvanced: [{ name: 'net', aliases: ['app-1'], ipv4Address: '10.213.1.10' }],
  ports: [{ internal: 8080, external: 18080, ip: '127.0.0.1', protocol: 'udp' }],
  attach: false,
  logs: false,
  mustRun: true,
  rm: false,
  init: true,
  stopSignal: 'SIGTERM',
  stopTimeout: 15,
  destroyGraceSeconds: 15,
  ulimits: [{ name: 'nofile', soft: 100, hard: 200 }],
  labels: [{ label: 'k', value: 'v' }],
  memory: 256,
  memorySwap: 256,
  cpus: '0.5',
  cpuShares: 512,
  cpuSet: '0',
  cpuPeriod: 100_000,
  cpuQuota: 50_000,
};

const SAMPLE_NETWORK: NetworkInputs = {
  name: 'n',
  driver: 'bridge',
  ipamConfigs: [{ subnet: '10.213.1.0/24', gateway: '10.213.1.1', ipRange: '10.213.1.128/25' }],
};

/** Deletes the field at `path` (list indexes as numbers); false when it was not there. */
function removeAt(target: Record<string, unknown>, path: readonly (string | number)[]): boolean {
  let at: unknown = target;
  for (const key of path.slice(0, -1)) {
    at = (at as Record<string | number, unknown> | undefined)?.[key];
    if (at === undefined || at === null) return false;
  }
  const last = path.at(-1)!;
  const holder = at as Record<string | number, unknown>;
  if (!(last in holder)) return false;
  delete holder[last];
  return true;
}
