import { describe, expect, it } from 'vitest';
import { runProgram, stackFileConfig, TYPES } from '../harness.js';
import { checkKnownFields, containerCreateOptions, durationNs, networkCreateOptions } from './translate.js';

describe('real-engine translation', () => {
  it('knows every field the haproxy stack sets (a new field fails here before it fails on Docker)', async () => {
    const run = await runProgram('haproxy', stackFileConfig('haproxy'));
    const custom = run.resources.filter((r) => !r.type.startsWith('wslab:'));
    expect(custom.length).toBeGreaterThan(10);
    for (const resource of custom) checkKnownFields(resource.type, resource.name, resource.inputs);
    expect(run.byType(TYPES.container).length).toBe(11);
  });

  it('fails loudly on a field or type it does not translate', () => {
    expect(() =>
      checkKnownFields('docker:index/container:Container', 'app-1', { name: 'x', privileged: true }),
    ).toThrow('docker:index/container:Container app-1 sets privileged, which the translation does not know');
    expect(() => checkKnownFields('docker:index/volume:Volume', 'data', {})).toThrow(
      'unknown resource type docker:index/volume:Volume (data)',
    );
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
    expect(
      networkCreateOptions({
        name: 'n',
        driver: 'bridge',
        ipamConfigs: [{ subnet: '10.213.1.0/24', gateway: '10.213.1.1', ipRange: '10.213.1.128/25' }],
      }).IPAM,
    ).toEqual({
      Driver: 'default',
      Config: [{ Subnet: '10.213.1.0/24', Gateway: '10.213.1.1', IPRange: '10.213.1.128/25' }],
    });
  });
});
